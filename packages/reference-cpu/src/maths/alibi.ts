/**
 * ALiBi head slopes (Press et al., "Train Short, Test Long"): for n a power of two, slope_h = 2^(−8(h+1)/n);
 * otherwise the slopes of the nearest lower power of two m, then every other slope of 2m.
 * No supported family uses ALiBi; the op exists for study and the attention ops accept slopes.
 */

function powerOfTwoSlopes(n: number): number[] {
  const start = 2 ** (-8 / n);
  return Array.from({ length: n }, (_, i) => start ** (i + 1));
}

export function alibiSlopes(numHeads: number): Float32Array {
  const m = 2 ** Math.floor(Math.log2(numHeads));
  const slopes = powerOfTwoSlopes(m);
  if (m < numHeads) {
    const extra = powerOfTwoSlopes(2 * m).filter((_, i) => i % 2 === 0);
    slopes.push(...extra.slice(0, numHeads - m));
  }
  return Float32Array.from(slopes);
}
