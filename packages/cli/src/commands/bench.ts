/** `megakernel bench`: decode tokens/s of the CPU VM, the direct forward pass and, when it works, the GPU. */

import {
  type BackendName,
  BENCH_SAMPLING,
  benchDecode,
  benchDeviceDecode,
  DEFAULT_MODEL,
  type DecodeBenchResult,
  loadCheckpoint,
  openBackend,
  probeCuda,
  resolveModelDir,
} from '@megakernel/runtime';
import { type Command, Option } from 'commander';
import { positiveInteger } from '../arguments.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';

const BENCH_BACKENDS = ['all', 'cuda', 'cpu', 'reference'] as const;

interface BenchFlags {
  model?: string;
  backend: (typeof BENCH_BACKENDS)[number];
  tokens: number;
  queues?: number;
  checkWeights: boolean;
}

const WARMUP = 2;
const LABELS: Record<BackendName, string> = {
  cpu: 'program on the CPU VM',
  reference: 'direct forward (CPU)',
  cuda: 'program on the GPU',
};

export function registerBench(program: Command, ctx: CommandContext): void {
  program
    .command('bench')
    .description('decode speed (tokens/s) of each backend that can run here')
    .option('--model <dir>', 'checkpoint folder (default: the embedded model)')
    .option('--tokens <n>', 'decode steps to time', positiveInteger, 32)
    .option('--queues <n>', 'instruction queues of the compiled program', positiveInteger)
    .addOption(
      new Option('--backend <name>', 'time one backend only (all: every one that can run here)')
        .choices(BENCH_BACKENDS)
        .default('all'),
    )
    .option('--no-check-weights', 'skip the NaN/Inf scan of the weights at load')
    .action(async (flags: BenchFlags) => {
      const checkpoint = loadCheckpoint(resolveModelDir(flags.model ?? DEFAULT_MODEL), {
        checkWeights: flags.checkWeights,
      });
      try {
        const positions = checkpoint.config.maxPositionEmbeddings;
        if (WARMUP + flags.tokens > positions) {
          throw new UsageError(
            `--tokens ${flags.tokens} needs ${WARMUP + flags.tokens} positions (${WARMUP} warm-up steps + the timed ones); ` +
              `the model has ${positions}: give --tokens ${positions - WARMUP} or fewer`,
          );
        }
        const probe = await probeCuda();
        const available: BackendName[] = probe.ok ? ['cuda', 'cpu', 'reference'] : ['cpu', 'reference'];
        const backends = flags.backend === 'all' ? available : [flags.backend];
        ctx.out(`${checkpoint.dir}: ${flags.tokens} decode steps after ${WARMUP} warm-up steps`);
        for (const name of backends) {
          const { session } = await openBackend(name, checkpoint, {
            maxSeqLen: WARMUP + flags.tokens,
            ...(flags.queues === undefined ? {} : { queues: flags.queues }),
          });
          try {
            const r = await benchDecode(session, { tokens: flags.tokens, warmup: WARMUP });
            const line = (label: string, x: DecodeBenchResult) =>
              ctx.out(
                `  ${name.padEnd(9)} ${label.padEnd(22)} ${x.tokensPerSecond.toFixed(1).padStart(9)} tok/s ` +
                  `${(x.ms / x.tokens).toFixed(3).padStart(9)} ms/token`,
              );
            line(LABELS[name], r);
            // Where the backend samples inside its launches: greedy and the sampling settings.
            for (const [label, sampling] of [
              ['  greedy, 32 per launch', { temperature: 0, topK: 0, topP: 1 }],
              ['  sampled, 32 per launch', BENCH_SAMPLING],
            ] as const) {
              const d = await benchDeviceDecode(session, { tokens: flags.tokens, warmup: WARMUP, sampling });
              if (d) line(label, d);
            }
          } finally {
            session.close();
          }
        }
        if (!probe.ok && flags.backend === 'all') ctx.out(`  cuda      skipped: ${probe.reason}`);
      } finally {
        checkpoint.close();
      }
    });
}
