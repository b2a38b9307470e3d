/** Element intervals [lo, hi): merging, finding what a cover leaves out, and overlap. */

/** Sorted, merged [lo, hi) pairs. */
export function mergeIntervals(pairs: [number, number][]): [number, number][] {
  const sorted = pairs.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The first sub-range of [lo, hi) outside the merged `cover`, or undefined. */
export function gapIn(
  lo: number,
  hi: number,
  cover: readonly [number, number][],
): [number, number] | undefined {
  let at = lo;
  // Binary search for the first cover interval ending after `lo`.
  let a = 0;
  let b = cover.length;
  while (a < b) {
    const m = (a + b) >> 1;
    if (cover[m]![1] <= lo) a = m + 1;
    else b = m;
  }
  for (let i = a; i < cover.length && at < hi; i++) {
    const [c0, c1] = cover[i]!;
    if (c0 > at) return [at, Math.min(c0, hi)];
    at = Math.max(at, c1);
  }
  return at < hi ? [at, hi] : undefined;
}

/** Whether two flat [lo, hi) pair lists (Access.intervals) share an element. */
export function intervalsOverlap(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < a.length; i += 2)
    for (let j = 0; j < b.length; j += 2) if (a[i]! < b[j + 1]! && b[j]! < a[i + 1]!) return true;
  return false;
}
