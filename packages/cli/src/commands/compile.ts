/** `megakernel compile`: a model folder or preset → a program file. */
import * as path from 'node:path';
import { writeProgramFile } from '@megakernel/runtime';
import type { Command } from 'commander';
import { addCompileFlags } from '../compile-flags.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { summarizeProgram } from '../program-summary.js';
import { type CompileFlags, PROGRAM_EXTENSION, resolveTarget } from '../target.js';

export { PROGRAM_EXTENSION };

export function registerCompile(program: Command, ctx: CommandContext): void {
  addCompileFlags(
    program
      .command('compile')
      .description('compile a model folder (or --preset) into a program file')
      .argument('[model]', "checkpoint folder ('default': the embedded model)"),
  )
    .option('-o, --output <file>', `program file to write (default: <model name>${PROGRAM_EXTENSION})`)
    .action((model: string | undefined, flags: CompileFlags & { output?: string }) => {
      const progress = ctx.progress();
      let target: ReturnType<typeof resolveTarget>;
      try {
        target = resolveTarget(model, flags, progress);
      } finally {
        progress.stop();
      }
      if (target.kind === 'program')
        throw new UsageError(`${model} is already a program; compile takes a model folder`);
      const output = flags.output ?? `${path.basename(target.name)}${PROGRAM_EXTENSION}`;
      const bytes = writeProgramFile(output, target.program);
      if (target.kind === 'model') target.checkpoint.close();
      ctx.out(`wrote ${output} (${bytes} bytes): ${summarizeProgram(target.program)}`);
    });
}
