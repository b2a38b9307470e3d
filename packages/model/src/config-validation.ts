/**
 * zod validation that fails with a ConfigError naming the file and the dotted field, so a malformed
 * config.json reads as "config.json: field 'rope_parameters.factor': expected number" and not a dump.
 */
import type { z } from 'zod';
import { ConfigError } from './errors.js';

export function validate<T extends z.ZodType>(
  schema: T,
  value: unknown,
  file: string,
  prefix = '',
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [prefix, ...issue.path.map(String)].filter((p) => p !== '').join('.');
  const missing =
    issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(value, issue.path) === undefined;
  throw new ConfigError(file, field, missing ? `is required (${issue.message})` : issue.message);
}

function valueAt(value: unknown, at: readonly PropertyKey[]): unknown {
  let v = value;
  for (const key of at) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

/** A value the family requires, absent from config.json. */
export function required<T>(value: T | null | undefined, file: string, field: string): T {
  if (value === undefined || value === null) throw new ConfigError(file, field, 'is required');
  return value;
}
