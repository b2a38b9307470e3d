/**
 * The verifier rests on the ISA's access model; this ties that model to what the instructions
 * really do. On every fixture checkpoint, for the fused lowering (one queue, and three queues with
 * split attention, split-K and 8-row tiles) and the unfused one, the strict CPU VM records every
 * access its executors make over a prompt past the Mistral fixture's window, and each instruction's
 * recorded element sets must equal the ones its descriptor declares.
 */
import { type Instruction, type OpcodeInfo, opcodeByName } from '@megakernel/isa';
import { loadCheckpoint } from '@megakernel/model';
import { type AccessEvent, runProgram } from '@megakernel/reference-cpu';
import { type CompileOptions, compile } from '@megakernel/scheduler';
import { describe, expect, it } from 'vitest';
import { allFixtures } from '../../../test-support/fixtures.js';
import { accessMismatches } from './testing/access-compare.js';
import { fixturePrompt } from './testing/fixture-prompt.js';
import { variantOptions } from './testing/variant-options.js';

const PROMPT = 10;
const VARIANTS: readonly [string, number, Partial<CompileOptions>][] = [
  ['fused, 1 queue', 1, {}],
  ['fused, 3 queues, split attention and split-K', 3, { attentionChunks: 3, splitK: 2, tileRows: 8 }],
  ['unfused, 3 queues', 3, { fused: false, attentionChunks: 2 }],
];

function compiled(dir: string, queues: number, options: Partial<CompileOptions>) {
  const checkpoint = loadCheckpoint(dir);
  return {
    dir,
    checkpoint,
    program: compile(checkpoint, {
      queues,
      maxSeqLen: 16,
      kvDtype: 'f32',
      ...variantOptions(checkpoint.config, options),
    }),
  };
}

/** Runs the program strictly over the prompt; returns the mismatches and how many instructions ran. */
function compareRun({ dir, checkpoint, program }: ReturnType<typeof compiled>) {
  const mismatches: string[] = [];
  let executed = 0;
  const onAccesses = (e: AccessEvent) => {
    executed++;
    if (mismatches.length < 10) mismatches.push(...accessMismatches(program, e));
  };
  runProgram(program, checkpoint, fixturePrompt(dir, PROMPT), { strict: true, onAccesses });
  return { mismatches, executed };
}

describe('the CPU VM makes exactly the accesses the ISA declares', () => {
  for (const { name, dir } of allFixtures()) {
    for (const [variant, queues, options] of VARIANTS) {
      it(`${name}, ${variant}`, () => {
        const { mismatches, executed } = compareRun(compiled(dir, queues, options));
        expect(executed).toBeGreaterThan(PROMPT * 10);
        expect(mismatches).toEqual([]);
      });
    }
  }
});

describe('a wrong access model is caught', () => {
  const dir = allFixtures()[0]!.dir;
  // Mutations of the model itself: each must show up as a mismatch against the VM's record.
  const mutations: [string, string, (inst: Instruction) => Instruction][] = [
    [
      'a linear tile declared one row short',
      'FUSED_MATMUL_RESIDUAL',
      (i) => ({ ...i, a1: Math.max(0, i.a1 - 1) }),
    ],
    ['the QKV tile declared at the next rows', 'FUSED_NORM_QKV_ROPE', (i) => ({ ...i, a0: i.a0 + 2 })],
    ['attention declared on the next KV head', 'ATTENTION_PARTIAL', (i) => ({ ...i, a0: (i.a0 + 1) % 2 })],
  ];
  for (const [what, opName, shift] of mutations) {
    it(what, () => {
      const run = compiled(dir, 3, { attentionChunks: 2 });
      const info = opcodeByName(opName) as OpcodeInfo & { accesses: OpcodeInfo['accesses'] };
      const original = info.accesses!;
      // The descriptor's access function sees a shifted instruction: its declared set moves, the VM's does not.
      (info as { accesses: OpcodeInfo['accesses'] }).accesses = (a) =>
        original(
          Object.assign(Object.create(Object.getPrototypeOf(a)), a, { inst: shift(a.inst), out: a.out }),
        );
      try {
        const { mismatches } = compareRun(run);
        expect(mismatches.length).toBeGreaterThan(0);
        expect(mismatches[0]).toContain(opName);
      } finally {
        (info as { accesses: OpcodeInfo['accesses'] }).accesses = original;
      }
    });
  }
});
