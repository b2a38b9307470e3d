/**
 * transformers' own outputs stored beside a checkpoint (`reference.safetensors` in the fixtures):
 * the prompt ids, float32 logits for every position, and the greedy continuation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openSafetensors } from '@megakernel/model';

export const REFERENCE_FILE = 'reference.safetensors';

export interface ReferenceOutputs {
  readonly inputIds: number[];
  /** [inputIds.length, vocab] row-major. */
  readonly logits: Float32Array;
  readonly greedy: number[];
}

/** The reference outputs of a checkpoint folder, or null when it has none. */
export function readReferenceOutputs(dir: string): ReferenceOutputs | null {
  const file = path.join(dir, REFERENCE_FILE);
  if (!fs.existsSync(file)) return null;
  const st = openSafetensors(file);
  try {
    const ids = (name: string) => Array.from(st.readF32(name), Math.round);
    return { inputIds: ids('input_ids'), logits: st.readF32('logits'), greedy: ids('greedy') };
  } finally {
    st.close();
  }
}
