/**
 * Where the outside-oracle fixtures live, for every package's tests: the repository's fixtures/ folder
 * (see fixtures/README.md). Four were written by transformers outside this repository and imported
 * with their outputs ('imported'); the rest by the project's generator, tools/fixtures/generate_fixtures.py
 * ('project'). A missing folder throws: fixture tests never skip.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(fileURLToPath(import.meta.url), '../..');
export const FIXTURES_DIR = join(repoRoot, 'fixtures');

/** The fixtures every run must find, so that a partly missing folder cannot shrink the test set. */
const REQUIRED = {
  imported: ['llama-tiny', 'llama32-tiny-tied-rope3', 'gpt2-tiny', 'mistral-tiny-swa'],
  project: [
    'qwen2-tiny-qkv-bias',
    'llama32-tf4-dialect',
    'mistral-tiny-swa5-mha',
    'gpt2-small-4layer',
    'qwen3-tiny-qk-norm',
  ],
} as const;

export interface Fixture {
  readonly name: string;
  readonly dir: string;
  readonly origin: 'imported' | 'project';
}

const originOf = (name: string): Fixture['origin'] =>
  (REQUIRED.imported as readonly string[]).includes(name) ? 'imported' : 'project';

/** Every fixture, the imported ones first, each group by name. */
export function allFixtures(): Fixture[] {
  if (!existsSync(FIXTURES_DIR)) throw new Error(`fixtures folder ${FIXTURES_DIR} is missing`);
  const names = new Set<string>([...REQUIRED.imported, ...REQUIRED.project]);
  for (const n of readdirSync(FIXTURES_DIR))
    if (existsSync(join(FIXTURES_DIR, n, 'config.json'))) names.add(n);
  const order = (f: Fixture) => (f.origin === 'imported' ? 0 : 1);
  return [...names]
    .map((name) => {
      const dir = join(FIXTURES_DIR, name);
      if (!existsSync(join(dir, 'reference.safetensors')))
        throw new Error(`fixture ${dir} is incomplete or missing`);
      return { name, dir, origin: originOf(name) };
    })
    .sort((a, b) => order(a) - order(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function fixture(name: string): Fixture {
  const f = allFixtures().find((x) => x.name === name);
  if (!f) throw new Error(`no fixture named ${name}`);
  return f;
}
