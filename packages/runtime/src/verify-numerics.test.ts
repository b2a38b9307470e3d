import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCheckpoint, openSafetensors, type WritableTensor, writeSafetensors } from '@megakernel/model';
import { compile } from '@megakernel/scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../../../test-support/fixtures.js';
import { verifyNumerics } from './verify-numerics.js';

const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A copy of a fixture whose transformers logits are scaled by `factor` (a reference that disagrees). */
function withScaledReference(name: string, factor: number): string {
  const src = fixture(name).dir;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-verify-'));
  made.push(dir);
  for (const f of fs.readdirSync(src)) fs.copyFileSync(path.join(src, f), path.join(dir, f));
  const ref = openSafetensors(path.join(src, 'reference.safetensors'));
  const tensors = new Map<string, WritableTensor>();
  for (const t of ref.list()) {
    const data = t.name === 'logits' ? ref.readF32(t.name).map((v) => v * factor) : null;
    tensors.set(
      t.name,
      data
        ? { dtype: 'F32', shape: t.shape, data }
        : { dtype: t.dtype, shape: t.shape, bytes: ref.readBytes(t.name) },
    );
  }
  ref.close();
  writeSafetensors(path.join(dir, 'reference.safetensors'), tensors);
  return dir;
}

function report(dir: string) {
  const checkpoint = loadCheckpoint(dir);
  try {
    const ids = [...new TextEncoder().encode('Once upon a time, there was a tiny kernel')];
    const program = compile(checkpoint, { queues: 3, maxSeqLen: 64, kvDtype: 'f32' });
    return verifyNumerics(program, checkpoint, ids);
  } finally {
    checkpoint.close();
  }
}

describe('verifyNumerics: PASS means every compared line is within its tolerance', () => {
  it('passes a fixture on all three lines', () => {
    const r = report(fixture('llama-tiny').dir);
    expect(r.forwardVsTransformers).toBeDefined();
    expect(r.overTolerance).toEqual([]);
    expect(r.pass).toBe(true);
  });

  // The VM still equals the forward pass; only the transformers lines are off (2e-2, as the issue saw).
  it('fails when transformers disagrees with the forward pass, naming those lines', () => {
    const r = report(withScaledReference('llama-tiny', 1.02));
    expect(r.vmVsForward.maxRelError).toBeLessThan(r.tolerance);
    expect(r.overTolerance).toEqual(['forwardVsTransformers', 'vmVsTransformers']);
    expect(r.pass).toBe(false);
  });
});
