/**
 * Where the outside-oracle fixtures live, for every package's tests: the repository's fixtures/ folder
 * (see fixtures/README.md), each written with its outputs by transformers through the project's
 * generator, tools/fixtures/generate_fixtures.py. A missing folder throws: fixture tests never skip.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const FIXTURES_DIR = join(repoRoot, 'fixtures');

/** The fixtures every run must find, so that a partly missing folder cannot shrink the test set. */
const REQUIRED = [
  'gemma-tiny',
  'gemma2-tiny-softcap',
  'granite-tiny',
  'gpt-neox-tiny',
  'gpt2-small-4layer',
  'gpt2-tiny',
  'llama-tiny',
  'llama32-tf4-dialect',
  'llama32-tiny-tied-rope3',
  'mistral-tiny-swa',
  'mistral-tiny-swa5-mha',
  'mixtral-tiny-moe',
  'olmo2-tiny',
  'phi2-tiny-partial',
  'phi3-tiny-longrope',
  'phi3-tiny-longrope-crossing',
  'qwen2-tiny-qkv-bias',
  'qwen3-tiny-qk-norm',
] as const;

export interface Fixture {
  readonly name: string;
  readonly dir: string;
}

/** Every fixture folder (those above and any other with a config.json), by name. */
export function allFixtures(): Fixture[] {
  if (!existsSync(FIXTURES_DIR)) throw new Error(`fixtures folder ${FIXTURES_DIR} is missing`);
  const names = new Set<string>(REQUIRED);
  for (const n of readdirSync(FIXTURES_DIR))
    if (existsSync(join(FIXTURES_DIR, n, 'config.json'))) names.add(n);
  return [...names].sort().map((name) => {
    const dir = join(FIXTURES_DIR, name);
    if (!existsSync(join(dir, 'reference.safetensors')))
      throw new Error(`fixture ${dir} is incomplete or missing`);
    return { name, dir };
  });
}

export function fixture(name: string): Fixture {
  const f = allFixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture named ${name}`);
  return f;
}

/**
 * Checkpoints of families the project does not support yet (fixtures/pending/, see fixtures/README.md),
 * kept out of allFixtures() until their family is supported.
 */
export function pendingFixtures(): Fixture[] {
  const dir = join(FIXTURES_DIR, 'pending');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'config.json')))
    .sort()
    .map((name) => ({ name, dir: join(dir, name) }));
}
