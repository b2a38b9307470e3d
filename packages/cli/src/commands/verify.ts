/** `megakernel verify`: a program on the CPU VM against the direct forward pass (and transformers' logits). */

import {
  type LogitComparison,
  loadTokenizer,
  readReferenceOutputs,
  verifyNumerics,
} from '@megakernel/runtime';
import type { Command } from 'commander';
import { positiveNumber, tokenIds } from '../arguments.js';
import { addCompileFlags } from '../compile-flags.js';
import type { CommandContext } from '../context.js';
import { type CompileFlags, checkpointFor, resolveTarget } from '../target.js';

interface VerifyFlags extends CompileFlags {
  model?: string;
  prompt?: string;
  ids?: number[];
  tolerance?: number;
}

/** The prompt when the folder has no transformers reference and none is given. */
const DEFAULT_PROMPT = 'Once upon a time, there was a tiny kernel';

export function registerVerify(program: Command, ctx: CommandContext): void {
  addCompileFlags(
    program
      .command('verify')
      .description('run a program on the CPU VM and compare its logits with the direct forward pass')
      .argument('[target]', "program file or model folder ('default': the embedded model)"),
  )
    .option('--model <dir>', 'checkpoint with the weights of a program file')
    .option(
      '--prompt <text>',
      `prompt to run (default: the folder's reference ids, else "${DEFAULT_PROMPT}")`,
    )
    .option('--ids <ids>', 'prompt as token ids', tokenIds)
    .option(
      '--tolerance <x>',
      'largest max-relative error that passes (default: 1e-4 with an f32 KV cache, 3e-2 with bf16)',
      positiveNumber,
    )
    .action((arg: string | undefined, flags: VerifyFlags) => {
      const progress = ctx.progress();
      let target: ReturnType<typeof resolveTarget>;
      try {
        target = resolveTarget(arg, flags, progress);
      } finally {
        progress.stop();
      }
      const checkpoint = checkpointFor(target, flags.model, flags);
      for (const warning of checkpoint.warnings) ctx.err(`megakernel: warning: ${warning}`);
      try {
        const ids = flags.ids ?? promptIds(checkpoint.dir, flags.prompt);
        const report = verifyNumerics(target.program, checkpoint, ids, {
          ...(flags.tolerance === undefined ? {} : { tolerance: flags.tolerance }),
        });
        ctx.out(`${target.name}: ${ids.length} positions, vocab ${target.program.config.vocabSize}`);
        const bounds = report.bounds;
        for (const key of Object.keys(LINES) as (keyof typeof LINES)[]) {
          const c = report[key];
          if (c === undefined) continue;
          const over = report.overTolerance.includes(key) ? '  OVER' : '';
          ctx.out(`  ${`${LINES[key]}:`.padEnd(32)}${describe(c)} (tolerance ${bounds[key]})${over}`);
        }
        const over = report.overTolerance.map(
          (k) => `${LINES[k]} ${report[k]!.maxRelError.toExponential(2)} > ${bounds[k]}`,
        );
        ctx.out(
          report.pass
            ? `PASS: every compared line within its tolerance (VM vs direct forward ${report.vmVsForward.maxRelError.toExponential(2)})`
            : `FAIL: ${over.join('; ')}`,
        );
        if (!report.pass) throw new Error(`verification failed: ${over.join('; ')}`);
      } finally {
        checkpoint.close();
      }
    });
}

/** The compared lines, in the order they print. */
const LINES = {
  vmVsForward: 'VM vs direct forward',
  forwardVsTransformers: 'direct forward vs transformers',
  vmVsTransformers: 'VM vs transformers',
} as const;

function promptIds(dir: string, prompt: string | undefined): number[] {
  if (prompt === undefined) {
    const ref = readReferenceOutputs(dir);
    if (ref !== null) return ref.inputIds;
  }
  return loadTokenizer(dir).encode(prompt ?? DEFAULT_PROMPT);
}

function describe(c: LogitComparison): string {
  return (
    `max rel error ${c.maxRelError.toExponential(2)}, max abs ${c.maxAbsError.toExponential(2)}, ` +
    `argmax agrees ${c.argmaxAgreement}/${c.positions}`
  );
}
