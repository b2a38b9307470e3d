/** Parsers for option values: each throws commander's InvalidArgumentError, which exits with 2. */
import { InvalidArgumentError } from 'commander';

const integer = (value: string, min: number, what: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min)
    throw new InvalidArgumentError(`expected ${what}.`);
  return n;
};

export const positiveInteger = (value: string): number => integer(value, 1, 'a positive integer');
export const nonNegativeInteger = (value: string): number => integer(value, 0, 'a non-negative integer');

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a number >= 0.');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a number > 0.');
  return n;
}

export function probability(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1))
    throw new InvalidArgumentError('expected a number in (0, 1].');
  return n;
}

export function seed(value: string): number {
  const n = integer(value, 0, 'an integer in [0, 2^32)');
  if (n >= 2 ** 32) throw new InvalidArgumentError('expected an integer in [0, 2^32).');
  return n;
}

/** "1,2,3" or "1 2 3" → [1, 2, 3]; an empty id ("1,,2", "1,") is an error, not skipped. */
export function tokenIds(value: string): number[] {
  const parts = value.trim().split(/\s*,\s*|\s+/);
  if (parts.some((p) => p === '')) {
    throw new InvalidArgumentError(
      `'${value}' has an empty token id (two commas in a row, or one at an end).`,
    );
  }
  if (parts.some((p) => !/^\d+$/.test(p))) {
    throw new InvalidArgumentError('expected token ids separated by commas, e.g. 72,105.');
  }
  return parts.map(Number);
}

/** "a:b" → [a, b); either side may be empty (":10", "5:"). */
export function indexRange(value: string): { start: number; end: number } {
  const m = /^(\d*):(\d*)$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('expected a:b, e.g. 0:16 (either side may be empty).');
  const start = m[1] === '' ? 0 : Number(m[1]);
  const end = m[2] === '' ? Number.POSITIVE_INFINITY : Number(m[2]);
  if (end <= start) throw new InvalidArgumentError('expected a range a:b with a < b.');
  return { start, end };
}

/** Repeatable options collect every occurrence. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
