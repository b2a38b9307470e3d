/**
 * Where the outside-oracle fixtures live, for every package's tests: the shared ones
 * (../shared/fixtures beside the repository root, here and in CI) and the project's own (fixtures/,
 * written by tools/fixtures/generate_fixtures.py). A missing folder throws: fixture tests never skip.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const SHARED_FIXTURES_DIR = resolve(repoRoot, '../shared/fixtures');
export const PROJECT_FIXTURES_DIR = join(repoRoot, 'fixtures');

/** The fixtures every run must find, so that a partly missing folder cannot shrink the test set. */
const REQUIRED = {
  shared: ['llama-tiny', 'llama32-tiny-tied-rope3', 'gpt2-tiny', 'mistral-tiny-swa'],
  project: ['qwen2-tiny-qkv-bias', 'llama32-tf4-dialect', 'mistral-tiny-swa5-mha', 'gpt2-small-4layer'],
} as const;

export interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly origin: 'shared' | 'project';
}

function listIn(root: string, origin: Fixture['origin']): Fixture[] {
  if (!existsSync(root)) throw new Error(`fixtures folder ${root} is missing`);
  const names = new Set<string>(REQUIRED[origin]);
  for (const n of readdirSync(root)) if (existsSync(join(root, n, 'config.json'))) names.add(n);
  return [...names].sort().map((name) => {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'reference.safetensors'))) throw new Error(`fixture ${dir} is incomplete or missing`);
    return { name, dir, origin };
  });
}

/** Every fixture, shared first. */
export function allFixtures(): Fixture[] {
  return [...listIn(SHARED_FIXTURES_DIR, 'shared'), ...listIn(PROJECT_FIXTURES_DIR, 'project')];
}

export function fixture(name: string): Fixture {
  const f = allFixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture named ${name}`);
  return f;
}
