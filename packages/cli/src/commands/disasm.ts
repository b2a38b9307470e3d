/** `megakernel disasm`: a program (or a model compiled on the spot) as text, optionally filtered. */

import { NONE16, OPCODES, opcodeByName, printProgram } from '@megakernel/runtime';
import type { Command } from 'commander';
import { collect, indexRange, nonNegativeInteger } from '../arguments.js';
import { addCompileFlags } from '../compile-flags.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';
import { type CompileFlags, resolveTarget } from '../target.js';

interface DisasmFlags extends CompileFlags {
  queue?: number;
  layer?: number;
  opcode?: string[];
  range?: { start: number; end: number };
}

export function registerDisasm(program: Command, ctx: CommandContext): void {
  addCompileFlags(
    program
      .command('disasm')
      .description('print a program as text; filters print matching instructions only')
      .argument('[target]', 'program file or model folder'),
  )
    .option('--queue <n>', 'only this queue', nonNegativeInteger)
    .option('--layer <n>', 'only instructions of this transformer layer', nonNegativeInteger)
    .option('--opcode <name>', 'only this opcode (repeatable, e.g. ATTENTION_PARTIAL)', collect)
    .option('--range <a:b>', 'only instruction indices a..b-1 of each queue', indexRange)
    .action((arg: string | undefined, flags: DisasmFlags) => {
      const progress = ctx.progress();
      let target: ReturnType<typeof resolveTarget>;
      try {
        target = resolveTarget(arg, flags, progress);
      } finally {
        progress.stop();
      }
      if (target.kind === 'model') target.checkpoint.close();
      const p = target.program;
      if (flags.queue !== undefined && flags.queue >= p.queues.length) {
        throw new UsageError(
          `--queue ${flags.queue}: the program has ${p.queues.length} queues (0-${p.queues.length - 1})`,
        );
      }
      const layers = p.config.numLayers;
      if (flags.layer !== undefined && flags.layer >= layers) {
        throw new UsageError(`--layer ${flags.layer}: the model has ${layers} layers (0-${layers - 1})`);
      }
      const opcodes = flags.opcode?.map(opcodeValue);
      const filtered =
        flags.queue !== undefined ||
        flags.layer !== undefined ||
        opcodes !== undefined ||
        flags.range !== undefined;
      ctx.io.stdout.write(
        printProgram(p, {
          instructionsOnly: filtered,
          ...(filtered
            ? {
                filter: (inst, where) =>
                  (flags.queue === undefined || where.queue === flags.queue) &&
                  (flags.layer === undefined || (inst.layer !== NONE16 && inst.layer === flags.layer)) &&
                  (opcodes === undefined || opcodes.includes(inst.opcode)) &&
                  (flags.range === undefined ||
                    (where.index >= flags.range.start && where.index < flags.range.end)),
              }
            : {}),
        }),
      );
    });
}

function opcodeValue(name: string): number {
  const info = opcodeByName(name.toUpperCase());
  if (info === undefined) {
    throw new UsageError(`unknown opcode '${name}'; opcodes: ${OPCODES.map((o) => o.name).join(', ')}`);
  }
  return info.value;
}
