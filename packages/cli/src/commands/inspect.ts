/** `megakernel inspect`: what a program costs: instructions per op, bytes per token, estimated time, critical path. */

import { formatScheduleReport, scheduleReport } from '@megakernel/runtime';
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import { addCompileFlags } from '../compile-flags.js';
import type { CommandContext } from '../context.js';
import { summarizeProgram } from '../program-summary.js';
import { type CompileFlags, resolveTarget } from '../target.js';

interface InspectFlags extends CompileFlags {
  context?: number;
  json?: boolean;
}

export function registerInspect(program: Command, ctx: CommandContext): void {
  addCompileFlags(
    program
      .command('inspect')
      .description('instructions per op, bytes per token, estimated time per token and the critical path')
      .argument('[target]', "program file or model folder ('default': the embedded model)"),
  )
    .option(
      '--context <n>',
      'tokens visible to attention in the estimate (default: max-seq-len)',
      positiveInteger,
    )
    .option('--json', 'the report as JSON')
    .action((arg: string | undefined, flags: InspectFlags) => {
      const progress = ctx.progress();
      let target: ReturnType<typeof resolveTarget>;
      try {
        target = resolveTarget(arg, flags, progress);
      } finally {
        progress.stop();
      }
      if (target.kind === 'model') target.checkpoint.close();
      const report = scheduleReport(
        target.program,
        flags.context === undefined ? {} : { context: flags.context },
      );
      if (flags.json) {
        ctx.out(JSON.stringify(report, null, 2));
        return;
      }
      ctx.out(`${target.name}: ${summarizeProgram(target.program)}`);
      ctx.out('');
      ctx.out(formatScheduleReport(report));
    });
}
