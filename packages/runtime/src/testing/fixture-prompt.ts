/** The first `count` prompt ids of a fixture: its transformers reference's `input_ids`. */
import * as path from 'node:path';
import { openSafetensors } from '@megakernel/model';

export function fixturePrompt(dir: string, count: number): number[] {
  const ref = openSafetensors(path.join(dir, 'reference.safetensors'));
  try {
    return Array.from(ref.readTyped('input_ids') as BigInt64Array, Number).slice(0, count);
  } finally {
    ref.close();
  }
}
