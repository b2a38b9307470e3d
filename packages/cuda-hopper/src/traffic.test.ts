import { describe, expect, it } from 'vitest';
import { tinyProgram } from './test-programs.js';
import { perTokenTraffic } from './traffic.js';

describe('per-token traffic (the bandwidth floor)', () => {
  it('counts each weight once, one embedding row when the table is only gathered, no KV without attention', () => {
    const t = perTokenTraffic(tinyProgram(), 5);
    // norm 64*2 + qkv 128*64*2 + o 64*64*2 + the tied embedding read in full by the LM head 32*64*2.
    expect(t.weightBytes).toBe(128 + 16384 + 8192 + 4096);
    expect(t.kvBytes).toBe(0);
    expect(t.totalBytes).toBe(t.weightBytes);
  });
});
