/** A tiny test harness for the GPU host (no vitest there): named tests, a closing `N passed, N failed`. */

export interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly skipped: boolean;
  readonly ms: number;
  readonly detail: string;
}

export class Harness {
  readonly results: TestResult[] = [];

  async test(
    name: string,
    fn: () => string | undefined | Promise<string | undefined>,
    skip?: string,
  ): Promise<void> {
    if (skip) {
      this.results.push({ name, ok: true, skipped: true, ms: 0, detail: skip });
      console.log(`SKIP ${name}: ${skip}`);
      return;
    }
    const t0 = performance.now();
    try {
      const detail = (await fn()) ?? '';
      const ms = performance.now() - t0;
      this.results.push({ name, ok: true, skipped: false, ms, detail });
      console.log(`PASS ${name} (${ms.toFixed(0)} ms)${detail ? `: ${detail}` : ''}`);
    } catch (e) {
      const ms = performance.now() - t0;
      const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.results.push({ name, ok: false, skipped: false, ms, detail });
      console.log(`FAIL ${name} (${ms.toFixed(0)} ms): ${detail}`);
    }
  }

  summary(): { passed: number; failed: number; skipped: number } {
    const passed = this.results.filter((r) => r.ok && !r.skipped).length;
    const failed = this.results.filter((r) => !r.ok).length;
    const skipped = this.results.filter((r) => r.skipped).length;
    return { passed, failed, skipped };
  }
}

export function assert(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/** max |a - b| / max |b| over the whole array (the fixtures' metric). */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= num)) num = Number.isNaN(d) ? Number.POSITIVE_INFINITY : Math.max(num, d);
    den = Math.max(den, Math.abs(b[i]!));
  }
  return den === 0 ? num : num / den;
}

export function argmaxExcept(
  v: ArrayLike<number>,
  offset: number,
  count: number,
  suppress: readonly number[],
): number {
  let best = -1;
  let bv = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    if (suppress.includes(i)) continue;
    const x = v[offset + i]!;
    if (Number.isNaN(x)) continue;
    if (best < 0 || x > bv) {
      best = i;
      bv = x;
    }
  }
  return best;
}
