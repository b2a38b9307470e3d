import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBuiltCli } from '../testing/built-cli.js';

// A PATH with nothing on it but what a test puts there (the CLI and the build script run with
// process.execPath, so they need no node on PATH). NODE_PATH goes too: pnpm's would reach its store.
function bareEnv(pathDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { NODE_PATH: _store, CUDACXX: _cudacxx, ...rest } = process.env;
  return { ...rest, PATH: pathDir, ...extra };
}

const emptyDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'mk-build-addon-'));

describe('megakernel build-addon', () => {
  it('fails with the reason and exit 1 when CUDACXX names no nvcc and PATH has none', async () => {
    const r = await runBuiltCli(['build-addon'], {
      env: bareEnv(emptyDir(), { CUDACXX: '/nonexistent/cuda/bin/nvcc' }),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^megakernel: building the CUDA addon in .+cuda-hopper/m);
    expect(r.stderr.trimEnd().split('\n').pop()).toBe(
      'megakernel: the addon build failed (exit 1): CUDACXX is /nonexistent/cuda/bin/nvcc, which is not a file: ' +
        'point it at nvcc (e.g. /usr/local/cuda/bin/nvcc)',
    );
    expect(r.stdout).toBe('');
  });

  it('names cmake when nvcc is there and cmake is not', async () => {
    const bin = emptyDir();
    fs.writeFileSync(path.join(bin, 'nvcc'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const r = await runBuiltCli(['build-addon'], { env: bareEnv(bin) });
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').pop()).toMatch(
      /^megakernel: the addon build failed \(exit 1\): cmake not found on PATH: install CMake 3\.19 or newer/,
    );
  });

  it('is listed in --help', async () => {
    const r = await runBuiltCli(['--help']);
    expect(r.stdout).toMatch(/^ {2}build-addon +build the CUDA addon from source/m);
  });
});
