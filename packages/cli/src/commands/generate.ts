/** `megakernel generate`: stream a continuation (or raw token ids) and report tokens per second. */

import {
  BACKEND_CHOICES,
  createEngine,
  DEFAULT_MAX_TOKENS,
  DEFAULT_MODEL,
  type Engine,
  type GenerateInput,
} from '@megakernel/runtime';
import { type Command, Option } from 'commander';
import {
  collect,
  nonNegativeInteger,
  nonNegativeNumber,
  positiveInteger,
  probability,
  seed,
  tokenIds,
} from '../arguments.js';
import type { CommandContext } from '../context.js';
import { UsageError } from '../exit-codes.js';

interface GenerateFlags {
  model?: string;
  backend: (typeof BACKEND_CHOICES)[number];
  maxTokens: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  greedy?: boolean;
  ids?: number[];
  suppressEos?: boolean;
  stop?: string[];
  chat?: boolean;
  system?: string;
  maxSeqLen?: number;
  queues?: number;
  checkWeights: boolean;
}

export function registerGenerate(program: Command, ctx: CommandContext): void {
  program
    .command('generate')
    .description('generate text from a prompt (or token ids from --ids), streamed to stdout')
    .argument('[prompt]', 'the text to continue')
    .option('--model <dir>', 'Hugging Face checkpoint folder (default: the embedded Moby-Dick model)')
    .addOption(new Option('--backend <name>', 'where to run').choices(BACKEND_CHOICES).default('auto'))
    .option('--max-tokens <n>', 'new tokens at most', positiveInteger, DEFAULT_MAX_TOKENS)
    .option('--temperature <t>', 'sampling temperature, 0 = greedy (default 1)', nonNegativeNumber)
    .option('--top-k <k>', 'sample among the k most likely tokens (default 0 = all)', nonNegativeInteger)
    .option('--top-p <p>', 'nucleus sampling mass (default 1 = all)', probability)
    .option('--seed <n>', 'sampler seed (default: random, printed at the end)', seed)
    .option('--greedy', 'argmax decoding')
    .option(
      '--ids <ids>',
      'prompt as token ids (e.g. 72,105); prints generated ids instead of text',
      tokenIds,
    )
    .option('--suppress-eos', 'never generate the end-of-text token(s), so exactly --max-tokens come out')
    .option('--stop <text>', 'stop before this string (repeatable)', collect)
    .option('--chat', "wrap the prompt as a user message in the model's chat template")
    .option('--system <text>', 'system message for --chat')
    .option(
      '--max-seq-len <n>',
      'context length (default: the model positions, at most 4096)',
      positiveInteger,
    )
    .option('--queues <n>', 'instruction queues of the compiled program', positiveInteger)
    .option('--no-check-weights', 'skip the NaN/Inf scan of the weights at load')
    .action(async (prompt: string | undefined, flags: GenerateFlags) => {
      const input = promptInput(prompt, flags);
      const progress = ctx.progress();
      const engine = await createEngine({
        model: flags.model ?? DEFAULT_MODEL,
        backend: flags.backend,
        ...(flags.maxSeqLen === undefined ? {} : { maxSeqLen: flags.maxSeqLen }),
        ...(flags.queues === undefined ? {} : { queues: flags.queues }),
        ...(progress.listener === undefined ? {} : { onProgress: progress.listener }),
        checkWeights: flags.checkWeights,
      }).finally(() => progress.stop());
      for (const warning of engine.warnings) ctx.err(`megakernel: warning: ${warning}`);
      // The embedded model is a byte model by design; any other folder without tokenizer.json is
      // read as bytes only because its vocabulary happens to be 256, so say so.
      if (
        flags.ids === undefined &&
        engine.tokenizer.kind === 'bytes' &&
        (flags.model ?? DEFAULT_MODEL) !== DEFAULT_MODEL
      ) {
        ctx.err(
          `megakernel: note: ${engine.modelDir} has no tokenizer.json; the prompt is read as UTF-8 bytes (ids 0-255) and the output decoded the same way`,
        );
      }
      try {
        await run(engine, input, flags, ctx);
      } finally {
        engine.close();
      }
    });
}

function promptInput(prompt: string | undefined, flags: GenerateFlags): GenerateInput {
  if (flags.greedy) {
    const sampling = (
      [
        ['--temperature', flags.temperature],
        ['--top-k', flags.topK],
        ['--top-p', flags.topP],
        ['--seed', flags.seed],
      ] as const
    ).filter(([, v]) => v !== undefined);
    if (sampling.length > 0)
      throw new UsageError(
        `--greedy takes the argmax, so ${sampling.map(([f]) => f).join(' and ')} would do nothing: drop one or the other`,
      );
  }
  if (flags.system !== undefined && !flags.chat)
    throw new UsageError('--system is the system message of a chat: add --chat, or drop --system');
  if (prompt !== undefined && flags.ids !== undefined)
    throw new UsageError('give a prompt or --ids, not both');
  if (flags.ids !== undefined) {
    if (flags.chat) throw new UsageError('--chat needs a text prompt, not --ids');
    return { ids: flags.ids };
  }
  if (prompt === undefined) throw new UsageError('missing prompt: give the text to continue, or --ids');
  if (!flags.chat) return prompt;
  const system = flags.system === undefined ? [] : [{ role: 'system', content: flags.system }];
  return { messages: [...system, { role: 'user', content: prompt }] };
}

async function run(
  engine: Engine,
  input: GenerateInput,
  flags: GenerateFlags,
  ctx: CommandContext,
): Promise<void> {
  const generation = engine.generate(input, {
    maxTokens: flags.maxTokens,
    ...(flags.temperature === undefined ? {} : { temperature: flags.temperature }),
    ...(flags.topK === undefined ? {} : { topK: flags.topK }),
    ...(flags.topP === undefined ? {} : { topP: flags.topP }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.stop === undefined ? {} : { stop: flags.stop }),
    greedy: flags.greedy ?? false,
    suppressTokens: flags.suppressEos ? engine.eosTokenIds : [],
  });
  const stdout = ctx.io.stdout;
  const idsMode = flags.ids !== undefined;
  let last = '\n';
  let first = true;
  for await (const token of generation) {
    const piece = idsMode ? `${first ? '' : ' '}${token.id}` : token.text;
    first = false;
    if (piece !== '') {
      stdout.write(piece);
      last = piece;
    }
  }
  if (!last.endsWith('\n')) stdout.write('\n');
  const s = generation.stats;
  const rate = (n: number, ms: number) => (ms > 0 ? ((n * 1000) / ms).toFixed(1) : '-');
  ctx.err(
    `${s.generatedTokens} tokens, ${rate(s.decodeSteps, s.decodeMs)} tok/s decode, ` +
      `${rate(s.promptTokens, s.prefillMs)} tok/s prefill (${s.promptTokens} prompt tokens, ` +
      `first token after ${s.prefillMs.toFixed(1)} ms), ` +
      `seed ${s.seed}, ${engine.backend} backend: ${engine.backendReason}`,
  );
}
