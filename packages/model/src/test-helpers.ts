/** Test support: where the fixtures live, and throwaway folders. Not part of the public API. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, expect } from 'vitest';
import { allFixtures, fixture } from '../../../test-support/fixtures.js';

export { FIXTURES_DIR } from '../../../test-support/fixtures.js';

/** A fixture folder by name; throws when missing (never skipped). */
export function fixtureDir(name: string): string {
  return fixture(name).dir;
}

/** Every fixture folder's name. */
export function allFixtureNames(): string[] {
  return allFixtures().map((f) => f.name);
}

/** A fresh temporary folder, removed after the current test. */
export function useTempDirs(): () => string {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-model-'));
    made.push(d);
    return d;
  };
}

export function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Bitwise equality of two f32 arrays; falls back to a readable element diff when they differ. */
export function expectSameF32(actual: Float32Array, expected: Float32Array): void {
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (actual.length === expected.length && bytes(actual).equals(bytes(expected))) return;
  expect([...actual]).toEqual([...expected]);
}
