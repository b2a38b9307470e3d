/**
 * The build script's toolchain lookup, run as Node runs it (a child process importing the .mjs): in
 * an npm-shaped tree where cmake-js is hoisted beside the package and no node_modules/.bin exists,
 * and with CUDACXX or PATH pointing nowhere.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./find-toolchain.mjs', import.meta.url));
const cmakeJsDir = path.dirname(createRequire(import.meta.url).resolve('cmake-js/package.json'));

// pnpm's bin shims set NODE_PATH to its whole store, which would find cmake-js from anywhere.
const { NODE_PATH: _storePath, ...childEnv } = process.env;

/** Imports `file` in a child and prints what `call` returns, as JSON. */
function callIn(file: string, call: string, env: NodeJS.ProcessEnv = childEnv): unknown {
  const r = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import * as t from ${JSON.stringify(pathToFileURL(file).href)}; console.log(JSON.stringify(${call}))`,
    ],
    { encoding: 'utf8', env },
  );
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('the addon build toolchain', () => {
  it('resolves a hoisted cmake-js without node_modules/.bin and runs it with this Node.js', () => {
    // node_modules/@megakernel/cuda-hopper/scripts/find-toolchain.mjs beside node_modules/cmake-js, as npm lays it out.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-npm-tree-'));
    const pkg = path.join(root, 'node_modules', '@megakernel', 'cuda-hopper');
    fs.mkdirSync(path.join(pkg, 'scripts'), { recursive: true });
    fs.copyFileSync(script, path.join(pkg, 'scripts', 'find-toolchain.mjs'));
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: '@megakernel/cuda-hopper', type: 'module' }),
    );
    fs.symlinkSync(cmakeJsDir, path.join(root, 'node_modules', 'cmake-js'), 'dir');
    const found = callIn(path.join(pkg, 'scripts', 'find-toolchain.mjs'), 't.cmakeJsCommand()') as {
      path: string;
      version: string;
      argv: string[];
    };
    // Node resolves through the symlink to the real folder; the symlink was the only way to it.
    expect(found.path).toBe(fs.realpathSync(path.join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js')));
    expect(found.argv).toEqual([process.execPath, found.path]);
    expect(fs.existsSync(path.join(root, 'node_modules', '.bin'))).toBe(false);
    const run = spawnSync(found.argv[0]!, [...found.argv.slice(1), '--version'], { encoding: 'utf8' });
    expect(run.stdout.trim()).toBe(found.version);
  });

  it('says cmake-js is missing when it is not installed', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-no-cmake-js-'));
    fs.copyFileSync(script, path.join(root, 'find-toolchain.mjs'));
    expect(callIn(path.join(root, 'find-toolchain.mjs'), 't.cmakeJsCommand()')).toEqual({
      problem: expect.stringMatching(/cmake-js is not installed beside @megakernel\/cuda-hopper/),
    });
  });

  it('takes CUDACXX as given: a CUDACXX that names no file is the problem, not a cue to look elsewhere', () => {
    const r = callIn(script, `t.findNvcc({ CUDACXX: '/nonexistent/nvcc', PATH: process.env.PATH })`);
    expect(r).toEqual({
      problem: expect.stringMatching(/^CUDACXX is \/nonexistent\/nvcc, which is not a file/),
    });
  });

  it('looks on PATH, then in the usual folders, and names both when nvcc is nowhere', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-bin-'));
    fs.writeFileSync(path.join(bin, 'nvcc'), '');
    expect(callIn(script, `t.findNvcc({ PATH: ${JSON.stringify(bin)} }, [])`)).toEqual({
      path: path.join(bin, 'nvcc'),
    });
    expect(callIn(script, `t.findNvcc({ PATH: '/nonexistent' }, [])`)).toEqual({
      problem: expect.stringMatching(/^nvcc not found .*set CUDACXX/),
    });
    expect(callIn(script, `t.findCmake({ PATH: '/nonexistent' })`)).toEqual({
      problem: expect.stringMatching(/^cmake not found on PATH: install CMake 3\.19 or newer/),
    });
  });
});
