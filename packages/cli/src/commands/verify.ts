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
        ctx.out(`  VM vs direct forward:           ${describe(report.vmVsForward)}`);
        if (report.forwardVsTransformers)
          ctx.out(`  direct forward vs transformers: ${describe(report.forwardVsTransformers)}`);
        if (report.vmVsTransformers)
          ctx.out(`  VM vs transformers:             ${describe(report.vmVsTransformers)}`);
        ctx.out(
          `${report.pass ? 'PASS' : 'FAIL'}: max rel error ${report.vmVsForward.maxRelError.toExponential(2)} (tolerance ${report.tolerance})`,
        );
        if (!report.pass) {
          throw new Error(
            `verification failed: the VM is ${report.vmVsForward.maxRelError.toExponential(2)} from the direct forward`,
          );
        }
      } finally {
        checkpoint.close();
      }
    });
}

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
