// Builds the Node-API addon (cmake-js, nvcc, sm_90a, static CUDA runtime) into build/Release/; with
// --prebuild also copies it into the platform package (../cuda-hopper-<platform>-<arch>-gnu), the binary
// npm users get. Without
// nvcc it prints why and exits 0 (CI machines without CUDA still build the TypeScript); with
// --required it fails instead.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const required = process.argv.includes('--required');

function findNvcc() {
  const candidates = [process.env.CUDACXX, '/usr/local/bin/nvcc', '/usr/local/cuda/bin/nvcc'].filter(Boolean);
  for (const c of candidates) if (fs.existsSync(c)) return c;
  const which = spawnSync('which', ['nvcc'], { encoding: 'utf8' });
  return which.status === 0 ? which.stdout.trim() : undefined;
}

const nvcc = findNvcc();
if (!nvcc) {
  const msg =
    '[@megakernel/cuda-hopper] nvcc not found: skipping the CUDA addon build (the TypeScript package is built; set CUDACXX to build the addon)';
  if (required) {
    console.error(msg);
    process.exit(1);
  }
  console.log(`\n*** ${msg} ***\n`);
  process.exit(0);
}

const env = { ...process.env, CUDACXX: nvcc };
// cmake-js downloads Node headers unless told where they are; this machine has them in /usr/include/node.
if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
const cmakeJs = path.join(pkg, 'node_modules', '.bin', 'cmake-js');
console.log(`[@megakernel/cuda-hopper] building the addon with ${nvcc}`);
execFileSync(cmakeJs, ['compile', '--out', 'build'], { cwd: pkg, env, stdio: 'inherit' });

const built = path.join(pkg, 'build', 'Release', 'megakernel_cuda.node');
// The tracked prebuilt binary (the platform package's) changes only when asked (`pnpm --filter @megakernel/cuda-hopper
// build:prebuild`): `pnpm build` must never rewrite a tracked file. The loader prefers build/Release.
if (!process.argv.includes('--prebuild')) {
  console.log(
    `[@megakernel/cuda-hopper] addon: ${path.relative(pkg, built)} (the platform package's binary unchanged; --prebuild copies it there)`,
  );
  process.exit(0);
}
// The platform package that ships it (only linux-x64 with glibc exists).
const dest = path.join(pkg, '..', `cuda-hopper-${process.platform}-${process.arch}-gnu`);
if (!fs.existsSync(path.join(dest, 'package.json'))) {
  console.error(`[@megakernel/cuda-hopper] no platform package at ${dest}`);
  process.exit(1);
}
fs.copyFileSync(built, path.join(dest, 'megakernel_cuda.node'));
console.log(
  `[@megakernel/cuda-hopper] addon: ${path.relative(pkg, built)} -> ${path.relative(pkg, dest)}/megakernel_cuda.node`,
);
