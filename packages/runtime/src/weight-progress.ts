/**
 * Progress of weight loading without asking backends to report it: a view of the checkpoint that
 * counts the f32 elements it hands out, by role (`weight`, the direct forward) or by tensor
 * (`readTensor`, the VM's weight sources), against the elements of every role. A tensor read twice
 * (tied embeddings, GPT-2's fused c_attn split three ways) can overshoot, so the count is clamped.
 */
import type { LoadedCheckpoint, WeightRole } from '@megakernel/model';
import type { ProgressListener } from './backend.js';

export interface WeightProgress {
  readonly checkpoint: LoadedCheckpoint;
  /** Reports completion (whatever was counted). */
  finish(): void;
}

export function withWeightProgress(
  checkpoint: LoadedCheckpoint,
  onProgress?: ProgressListener,
): WeightProgress {
  if (onProgress === undefined) return { checkpoint, finish: () => {} };
  const total = checkpoint
    .roles()
    .reduce((sum, r) => sum + checkpoint.weightShape(r.role, r.layer).reduce((a, b) => a * b, 1), 0);
  let done = 0;
  const count = <T extends Float32Array>(values: T): T => {
    done = Math.min(total, done + values.length);
    onProgress({ phase: 'weights', done, total });
    return values;
  };
  // A prototype-linked view: everything else (config, tensorInfo, close, ...) is the checkpoint's own.
  const view = Object.create(checkpoint) as LoadedCheckpoint;
  view.weight = (role: WeightRole, layer?: number) => count(checkpoint.weight(role, layer));
  view.readTensor = (name: string) => count(checkpoint.readTensor(name));
  return { checkpoint: view, finish: () => onProgress({ phase: 'weights', done: total, total }) };
}
