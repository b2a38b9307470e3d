/**
 * What the fuzz tests share: their size and seed from the environment (a printed seed replays the
 * same cases), the per-case hang limit, and a small seeded generator (mulberry32).
 *
 * A run makes at least MEGAKERNEL_FUZZ_CASES cases (default 10,000, issue 12's floor per run) and
 * runs for at least MEGAKERNEL_FUZZ_SECONDS (default 0); FUZZ_CAP_SECONDS stops a run on a machine
 * too slow for the count, and the test then fails saying so rather than passing with fewer cases.
 */
export const FUZZ_CASES = Number(process.env.MEGAKERNEL_FUZZ_CASES ?? 10_000);
export const FUZZ_SECONDS = Number(process.env.MEGAKERNEL_FUZZ_SECONDS ?? 0);
export const FUZZ_CAP_SECONDS = Math.max(240, FUZZ_SECONDS + 60);
/** The vitest timeout for a fuzz test: the cap and some margin. */
export const FUZZ_TEST_TIMEOUT_MS = (FUZZ_CAP_SECONDS + 30) * 1000;

/** Whether a fuzz loop with `cases` done since `start` (performance.now()) should go on. */
export function fuzzContinues(cases: number, start: number, minCases = FUZZ_CASES): boolean {
  const elapsed = (performance.now() - start) / 1000;
  if (elapsed >= FUZZ_CAP_SECONDS) return false;
  return cases < minCases || elapsed < FUZZ_SECONDS;
}
export const FUZZ_SEED = Number(process.env.MEGAKERNEL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** A case slower than this counts as a hang (a clean case takes a few milliseconds). */
export const CASE_LIMIT_MS = 2000;

/** mulberry32: uniform numbers in [0, 1) from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
