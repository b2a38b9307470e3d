/**
 * f32 values as text: the shortest decimal that parses back (after f32 rounding) to the same bits,
 * so the text form round-trips float fields exactly without hex noise. Nine significant digits always
 * suffice for f32; most values need far fewer (1e-05, 0.125).
 */

export function formatF32(value: number): string {
  const v = Math.fround(value);
  if (Object.is(v, -0)) return '-0';
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v); // unreachable: 9 digits always round-trip an f32
}

/** Parses a decimal float and rounds it to f32; undefined when it is not a finite number. */
export function parseF32(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const v = Math.fround(Number(text));
  return Number.isFinite(v) ? v : undefined;
}
