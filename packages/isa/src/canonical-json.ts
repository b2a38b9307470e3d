/**
 * Canonical JSON: object keys sorted at every level, no whitespace. Two programs equal in value
 * serialise to the same bytes however their objects were built, which is what lets the text form
 * re-encode to exactly the bytes of the binary container.
 */
import { FieldRangeError } from './errors.js';

export function canonicalJson(value: unknown, path = '$'): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new FieldRangeError(path, value, 'a finite number (JSON has no NaN/Infinity)');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((v, i) => (v === undefined ? 'null' : canonicalJson(v, `${path}[${i}]`))).join(',')}]`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`);
    }
    return `{${parts.join(',')}}`;
  }
  throw new FieldRangeError(path, typeof value, 'a JSON value');
}
