/**
 * End to end: programs from a simple test lowering (fused ops, tiles over several queues, counters
 * per stage) run on the VM and must agree with the direct forward pass. The scheduler's own
 * programs get the same check in its package.
 */
import { describe, expect, it } from 'vitest';
import { loadDecoderWeights } from '../forward/decoder-weights.js';
import { forward } from '../forward/forward.js';
import { generateGreedy } from '../forward/generate.js';
import { lowerForTests } from '../testing/lower-for-tests.js';
import { randomCheckpoint } from '../testing/random-checkpoint.js';
import { relativeError } from '../testing/test-helpers.js';
import { TINY_CONFIGS } from '../testing/tiny-configs.js';
import { runGreedy, runProgram, traceProgram } from './run-program.js';

const PROMPT = [5, 17, 2, 33, 8, 8, 41, 12, 60, 3, 19];

describe('runProgram vs forward', () => {
  for (const [name, config] of Object.entries(TINY_CONFIGS)) {
    const checkpoint = randomCheckpoint(config, { seed: 3 });
    const weights = loadDecoderWeights(checkpoint);
    const reference = forward(weights, PROMPT);

    // 1e-5 relative: f32 activations and KV cache, weights bf16-valued in both (exact in a bf16
    // arena); the VM and forward differ only in where f32 stores round.
    it(`${name}: f32 activations, 3 queues, chunked attention, split-K, strict, both interleavings`, () => {
      const program = lowerForTests(checkpoint, { queues: 3, maxSeqLen: 16 });
      const roundRobin = runProgram(program, checkpoint, PROMPT, { strict: true });
      expect(relativeError(roundRobin, reference)).toBeLessThan(1e-5);
      for (const seed of [1, 2]) {
        const random = runProgram(program, checkpoint, PROMPT, {
          interleaving: 'random',
          seed,
          strict: true,
        });
        // Split-K adds land in a different order under another interleaving: equal to f32 rounding.
        expect(relativeError(random, roundRobin)).toBeLessThan(1e-6);
      }
    });

    // bf16 KV cache and activations: the fixtures README puts a bf16 pipeline around 1e-2 relative.
    it(`${name}: bf16 KV cache and activations stay within 2e-2`, () => {
      const program = lowerForTests(checkpoint, {
        queues: 2,
        maxSeqLen: 16,
        activationDtype: 'bf16',
        attentionChunks: 1,
        splitK: 1,
      });
      expect(relativeError(runProgram(program, checkpoint, PROMPT), reference)).toBeLessThan(2e-2);
    });
  }

  it('greedy through the in-program argmax and EMBED_GATHER(embedFromArgmax) equals generateGreedy', () => {
    for (const name of ['llama-gqa', 'gpt2-mha']) {
      const checkpoint = randomCheckpoint(TINY_CONFIGS[name]!, { seed: 4 });
      const program = lowerForTests(checkpoint, { queues: 4, maxSeqLen: 24 });
      const n = 10;
      const want = generateGreedy(checkpoint, PROMPT, n);
      expect(runGreedy(program, checkpoint, PROMPT, n, { interleaving: 'random', seed: 9 })).toEqual(want);
      // Suppressing the first generated token replaces the program's suppressToken operand.
      const banned = want[0]!;
      const without = runGreedy(program, checkpoint, PROMPT, n, { suppressToken: banned });
      expect(without).toEqual(generateGreedy(checkpoint, PROMPT, n, { suppressTokens: [banned] }));
      expect(without).not.toContain(banned);
    }
  });

  it('rejects prompts longer than maxSeqLen', () => {
    const checkpoint = randomCheckpoint(TINY_CONFIGS['llama-gqa']!);
    const program = lowerForTests(checkpoint, { queues: 1, maxSeqLen: 4 });
    expect(() => runProgram(program, checkpoint, PROMPT)).toThrow(/maxSeqLen/);
  });
});

describe('a weight that does not fit the program names the checkpoint tensor', () => {
  it("speaks the checkpoint's tensor names, not only the program's role names", () => {
    const config = Object.values(TINY_CONFIGS)[0]!;
    const checkpoint = randomCheckpoint(config, { seed: 3 });
    const program = lowerForTests(checkpoint, { queues: 2, maxSeqLen: 8 });
    // A weight that reads one checkpoint tensor as is; claim it needs twice its elements.
    const i = program.tensors.findIndex((t) => t.region === 'weights' && t.source?.kind === 'tensor');
    const t = program.tensors[i]!;
    const source = t.source as { kind: 'tensor'; name: string };
    const grown = { ...t, shape: [...t.shape.slice(0, -1), 2 * t.shape[t.shape.length - 1]!] };
    const bad = { ...program, tensors: program.tensors.map((x, j) => (j === i ? grown : x)) };
    expect(() => runProgram(bad, checkpoint, [1])).toThrow(
      new RegExp(
        `checkpoint tensor '${source.name.replace(/\./g, '\\.')}' gives \\d+ elements; the program's tensor ${i} '${t.name}'`,
      ),
    );
  });
});

describe('traceProgram', () => {
  it("snapshots every state tensor after every step; the last step's logits are runProgram's", () => {
    const config = Object.values(TINY_CONFIGS)[0]!;
    const checkpoint = randomCheckpoint(config, { seed: 4 });
    const program = lowerForTests(checkpoint, { queues: 3, maxSeqLen: 16 });
    const trace = traceProgram(program, checkpoint, PROMPT);
    const logits = runProgram(program, checkpoint, PROMPT);
    const vocab = program.config.vocabSize;
    expect(trace).toHaveLength(PROMPT.length);
    const states = program.tensors.filter((t) => t.region === 'state').length;
    for (const snap of trace) expect(snap.size).toBe(states);
    PROMPT.forEach((_, pos) => {
      const got = trace[pos]!.get(program.io.logits) as Float32Array;
      expect(Array.from(got)).toEqual(Array.from(logits.subarray(pos * vocab, (pos + 1) * vocab)));
    });
    // Copies, not views: step 0's hidden state differs from the last step's.
    const hidden = program.tensors.find((t) => t.name === 'x')!.id;
    expect(Array.from(trace[0]!.get(hidden)!)).not.toEqual(Array.from(trace.at(-1)!.get(hidden)!));
  });
});
