import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { CLI_PACKAGE_DIR, ensureBuilt, runBuiltCli } from './testing/built-cli.js';

describe('the version', () => {
  it('--version prints the package version', async () => {
    const r = await runBuiltCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(packageJson.version);
  });

  it('the bundle carries the version only, not the rest of package.json', () => {
    ensureBuilt();
    const dist = path.join(CLI_PACKAGE_DIR, 'dist');
    const bundle = fs
      .readdirSync(dist)
      .filter((f) => f.endsWith('.js'))
      .map((f) => fs.readFileSync(path.join(dist, f), 'utf8'))
      .join('\n');
    for (const script of Object.values(packageJson.scripts)) expect(bundle).not.toContain(script);
    expect(bundle).not.toContain(packageJson.description);
  });
});
