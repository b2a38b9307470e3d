/**
 * How far one set of logits is from another, per position: the largest absolute difference over
 * the largest absolute reference logit (a norm-wise relative error, stable where logits cross 0),
 * and whether the argmax agrees.
 */
import { argmax } from '@megakernel/reference-cpu';

export interface LogitComparison {
  readonly positions: number;
  readonly maxAbsError: number;
  /** Max over positions of max|actual − expected| / max|expected|. */
  readonly maxRelError: number;
  /** Positions whose argmax token is the same. */
  readonly argmaxAgreement: number;
}

export function compareLogits(actual: Float32Array, expected: Float32Array, vocab: number): LogitComparison {
  if (actual.length !== expected.length || actual.length % vocab !== 0) {
    throw new RangeError(`logit arrays of ${actual.length} and ${expected.length} values for vocab ${vocab}`);
  }
  const positions = actual.length / vocab;
  let maxAbsError = 0;
  let maxRelError = 0;
  let argmaxAgreement = 0;
  for (let p = 0; p < positions; p++) {
    const a = actual.subarray(p * vocab, (p + 1) * vocab);
    const e = expected.subarray(p * vocab, (p + 1) * vocab);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < vocab; i++) {
      diff = Math.max(diff, Math.abs(a[i]! - e[i]!));
      scale = Math.max(scale, Math.abs(e[i]!));
    }
    maxAbsError = Math.max(maxAbsError, diff);
    maxRelError = Math.max(maxRelError, scale === 0 ? diff : diff / scale);
    if (argmax(a) === argmax(e)) argmaxAgreement++;
  }
  return { positions, maxAbsError, maxRelError, argmaxAgreement };
}
