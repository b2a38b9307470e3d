import { preset } from '@megakernel/isa';
import { describe, expect, it } from 'vitest';
import { compile } from './compile.js';
import { MemoryPlanError, planMemory, TENSOR_ALIGNMENT } from './plan-memory.js';

describe('planMemory', () => {
  it('aligns every tensor to 256 bytes within its region and reports bytes per region and category', () => {
    const plan = planMemory([
      { name: 'a', dtype: 'bf16', shape: [3, 5], region: 'weights', category: 'layer-weights', layer: 0 },
      { name: 'h', dtype: 'f32', shape: [7], region: 'state', category: 'activations' },
      { name: 'b', dtype: 'bf16', shape: [100], region: 'weights', category: 'norms' },
    ]);
    expect(plan.tensors.map((t) => [t.id, t.region, t.byteOffset])).toEqual([
      [0, 'weights', 0],
      [1, 'state', 0],
      [2, 'weights', 256],
    ]);
    expect(plan.weightBytes).toBe(512);
    expect(plan.report.regions.weights).toEqual({ tensors: 2, bytes: 230 });
    expect(plan.report.categories.norms).toEqual({ tensors: 1, bytes: 200 });
    expect(plan.report.paddingBytes).toBe(256 - 30);
  });

  it('rejects duplicate names and bad shapes', () => {
    const t = { name: 'x', dtype: 'f32', shape: [4], region: 'state', category: 'scratch' } as const;
    expect(() => planMemory([t, t])).toThrow(MemoryPlanError);
    expect(() => planMemory([{ ...t, shape: [0] }])).toThrow(MemoryPlanError);
  });

  it('keeps offsets of a 7B model exact (u64-safe) and aligned', () => {
    const p = compile(preset('mistral-7b'), { queues: 132, maxSeqLen: 128, verify: false });
    expect(p.weightBytes).toBeGreaterThan(14e9);
    expect(Number.isSafeInteger(p.weightBytes)).toBe(true);
    for (const t of p.tensors) expect(t.byteOffset % TENSOR_ALIGNMENT).toBe(0);
    // Regions never overlap: sorted by offset, each tensor ends before the next starts.
    for (const region of ['weights', 'state'] as const) {
      const list = p.tensors.filter((t) => t.region === region).sort((a, b) => a.byteOffset - b.byteOffset);
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const bytes =
          prev.shape.reduce((a, b) => a * b, 1) *
          (prev.dtype === 'f32' || prev.dtype === 'i32' || prev.dtype === 'u32' ? 4 : 2);
        expect(prev.byteOffset + bytes).toBeLessThanOrEqual(list[i]!.byteOffset);
      }
    }
  });
});
