// Builds the Node-API addon (cmake-js, nvcc, sm_90a, static CUDA runtime) into build/Release/ of the
// package it sits in: the workspace's packages/cuda-hopper, or an npm-installed
// node_modules/@megakernel/cuda-hopper (what `npx megakernel build-addon` runs); the loader prefers
// that folder. With --prebuild it also copies the binary into the platform package
// (../cuda-hopper-<platform>-<arch>-gnu), the binary npm users get.
// Without nvcc or cmake it prints why and exits 0 (CI machines without CUDA still build the
// TypeScript); with --required it prints why on stderr and exits 1 instead.
// Progress goes to stdout (cmake-js's own output included); errors to stderr.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cmakeJsCommand, findCmake, findNvcc } from './find-toolchain.mjs';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const required = process.argv.includes('--required');
const say = (line) => console.log(`[@megakernel/cuda-hopper] ${line}`);

function missing(problem) {
  if (required) {
    console.error(`[@megakernel/cuda-hopper] ${problem}`);
    process.exit(1);
  }
  console.log(
    `\n*** [@megakernel/cuda-hopper] skipping the CUDA addon build (the TypeScript is built): ${problem} ***\n`,
  );
  process.exit(0);
}

// cmake-js first: it is a dependency, so its absence is a broken install, whatever else is missing.
const cmakeJs = cmakeJsCommand();
if (cmakeJs.problem) missing(cmakeJs.problem);
const nvcc = findNvcc();
if (nvcc.problem) missing(nvcc.problem);
const cmake = findCmake();
if (cmake.problem) missing(cmake.problem);

const env = { ...process.env, CUDACXX: nvcc.path };
// cmake-js downloads Node's headers unless told where they are; Debian's nodejs has them in /usr/include/node.
if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
say(`building the addon in ${pkg}`);
say(`nvcc ${nvcc.path}, cmake ${cmake.path}, cmake-js ${cmakeJs.version} (${cmakeJs.path})`);
if (!env.npm_config_nodedir)
  say('Node.js headers: cmake-js downloads them (set npm_config_nodedir to use local ones)');
try {
  execFileSync(cmakeJs.argv[0], [...cmakeJs.argv.slice(1), 'compile', '--out', 'build'], {
    cwd: pkg,
    env,
    stdio: 'inherit',
  });
} catch (e) {
  console.error(
    `[@megakernel/cuda-hopper] cmake-js failed (${e.status === null ? e.signal : `exit ${e.status}`}); its output is above`,
  );
  process.exit(1);
}

const built = path.join(pkg, 'build', 'Release', 'megakernel_cuda.node');
// The tracked prebuilt binary (the platform package's) changes only when asked (build:prebuild):
// `pnpm build` must never rewrite a tracked file. The loader prefers build/Release.
// The platform package that ships it (only linux-x64 with glibc exists); beside this one in the workspace.
const dest = path.join(pkg, '..', `cuda-hopper-${process.platform}-${process.arch}-gnu`);
if (!process.argv.includes('--prebuild')) {
  // The note is for the repository; an installed package has no tracked binary to protect.
  const workspace = !pkg.split(path.sep).includes('node_modules');
  say(
    `addon: ${built}${workspace ? " (the platform package's binary unchanged; --prebuild copies it there)" : ''}`,
  );
  process.exit(0);
}
if (!fs.existsSync(path.join(dest, 'package.json'))) {
  console.error(`[@megakernel/cuda-hopper] no platform package at ${dest}`);
  process.exit(1);
}
fs.copyFileSync(built, path.join(dest, 'megakernel_cuda.node'));
say(`addon: ${path.relative(pkg, built)} -> ${path.relative(pkg, dest)}/megakernel_cuda.node`);
