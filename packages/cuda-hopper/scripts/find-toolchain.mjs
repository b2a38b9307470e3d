// Finds what building the addon needs: nvcc, cmake and cmake-js. Each finder returns { path } or
// { problem } (a sentence that says what is missing and what to do), so build-addon.mjs can either
// skip the build with a notice or fail with that sentence. Works the same in the workspace and in an
// npm-installed package, where there is no node_modules/.bin beside this package (npm hoists).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const isFile = (p) => {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
};

/** The first `name` on a PATH-like string, or undefined. */
export function onPath(name, pathVariable = process.env.PATH ?? '') {
  for (const dir of pathVariable.split(path.delimiter)) {
    if (dir && isFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

/**
 * nvcc: CUDACXX when set (as CMake reads it: a CUDACXX that names no file is an error, not a cue to
 * look elsewhere), else PATH, else the toolkit's usual folders.
 */
export function findNvcc(env = process.env, usual = ['/usr/local/cuda/bin/nvcc']) {
  if (env.CUDACXX) {
    return isFile(env.CUDACXX)
      ? { path: env.CUDACXX }
      : {
          problem: `CUDACXX is ${env.CUDACXX}, which is not a file: point it at nvcc (e.g. /usr/local/cuda/bin/nvcc)`,
        };
  }
  const found = onPath('nvcc', env.PATH ?? '') ?? usual.find(isFile);
  return found
    ? { path: found }
    : {
        problem:
          'nvcc not found (not on PATH, not in /usr/local/cuda/bin): install the CUDA toolkit (nvcc 13 builds it) and put nvcc on PATH or set CUDACXX to its path',
      };
}

/** cmake on PATH: the one cmake-js runs. */
export function findCmake(env = process.env) {
  const found = onPath('cmake', env.PATH ?? '');
  return found
    ? { path: found }
    : {
        problem:
          'cmake not found on PATH: install CMake 3.19 or newer (your system package manager, or `pip install cmake`)',
      };
}

/**
 * cmake-js's command line as [node, its bin script], resolved as Node resolves a dependency of this
 * package (a hoisted node_modules/cmake-js in an npm install, the package's own in the workspace), and
 * run with this Node.js, so neither node_modules/.bin nor a shell is needed.
 */
export function cmakeJsCommand(from = import.meta.url) {
  const require = createRequire(from);
  let manifestPath;
  try {
    manifestPath = require.resolve('cmake-js/package.json');
  } catch {
    return {
      problem:
        'cmake-js is not installed beside @megakernel/cuda-hopper (it is a dependency: reinstall the package)',
    };
  }
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin?.['cmake-js'];
  if (!bin) return { problem: `cmake-js ${manifest.version} at ${path.dirname(manifestPath)} names no bin` };
  const script = path.resolve(path.dirname(manifestPath), bin);
  return { path: script, version: manifest.version, argv: [process.execPath, script] };
}
