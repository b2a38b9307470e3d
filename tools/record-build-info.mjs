// The provenance record of the platform package's binary (build-info.json beside megakernel_cuda.node):
// the commit and toolchain it was built from, its sha256, its glibc floor, and the GPU tests that ran
// on that very file. The release workflow writes it on the GPU host right after the tests, and checks
// it in the publish job after downloading the binary, before anything is published.
//
//   node tools/record-build-info.mjs write [--gpu-tests-log FILE] [--package-dir DIR]
//   node tools/record-build-info.mjs verify [--commit SHA] [--package-dir DIR]
//
// `write` fails when the tree has changes besides the binary and the record (the commit would not say
// what the binary came from), when the binary's glibc floor is not its package.json's, or when the
// log does not show the tests ran on this file with none failing. `verify` fails on any mismatch.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const BINARY = 'megakernel_cuda.node';
export const RECORD = 'build-info.json';
// The line gpu-tests.mjs prints when MEGAKERNEL_CUDA_ADDON names the binary and that is what loaded.
const ON_THIS_BINARY = 'PASS the addon under test is the one MEGAKERNEL_CUDA_ADDON names';

export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The newest GLIBC_x.y symbol version a binary names: the oldest glibc it loads on. */
export function glibcFloor(bytes) {
  let best;
  for (const m of bytes.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)) {
    const v = [Number(m[1]), Number(m[2])];
    if (!best || v[0] > best[0] || (v[0] === best[0] && v[1] > best[1])) best = v;
  }
  return best ? `${best[0]}.${best[1]}` : undefined;
}

/** From gpu-tests.mjs's output: its closing count, the device, and whether it ran on the named binary. */
export function readGpuTestLog(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const closing = [...lines].reverse().find((l) => /^\d+ passed, \d+ failed/.test(l));
  if (!closing) throw new Error('the GPU test log has no closing "N passed, N failed" line');
  const [, passed, failed] = closing.match(/^(\d+) passed, (\d+) failed/).map(Number);
  const device = lines
    .find((l) => l.startsWith('device: '))
    ?.slice('device: '.length)
    .split(',')[0];
  return {
    summary: closing,
    passed,
    failed,
    ...(device ? { device } : {}),
    onThisBinary: lines.some((l) => l.startsWith(ON_THIS_BINARY)),
  };
}

/** The record, from facts gathered elsewhere (kept pure so a test can hand them in). */
export function buildInfo({ binary, platformManifest, identity, commit, toolchain, gpuTests }) {
  const floor = glibcFloor(binary);
  if (floor !== platformManifest.megakernel?.glibcMin) {
    throw new Error(
      `the binary needs glibc ${floor ?? '(none found)'}, ${platformManifest.name}'s package.json says ` +
        `${platformManifest.megakernel?.glibcMin}: update megakernel.glibcMin`,
    );
  }
  if (gpuTests && (gpuTests.failed !== 0 || gpuTests.passed === 0 || !gpuTests.onThisBinary)) {
    throw new Error(
      `the GPU tests do not vouch for this binary: ${gpuTests.summary}` +
        `${gpuTests.onThisBinary ? '' : ' (the log does not show they ran on MEGAKERNEL_CUDA_ADDON)'}`,
    );
  }
  return {
    package: platformManifest.name,
    version: platformManifest.version,
    builtFor: identity,
    commit,
    binary: { file: BINARY, bytes: binary.length, sha256: sha256(binary) },
    glibcMin: floor,
    toolchain,
    ...(gpuTests ? { gpuTests } : {}),
  };
}

/** What is wrong between a record and the binary beside it (empty: nothing). */
export function verifyBuildInfo(record, { binary, platformManifest, cudaHopperVersion, commit }) {
  const problems = [];
  const digest = sha256(binary);
  if (record.binary?.sha256 !== digest) {
    problems.push(`${BINARY} has sha256 ${digest}, the record says ${record.binary?.sha256}`);
  }
  if (commit && record.commit !== commit)
    problems.push(`the record is of commit ${record.commit}, this is ${commit}`);
  if (record.version !== platformManifest.version) {
    problems.push(
      `the record is of ${record.package} ${record.version}, the package is ${platformManifest.version}`,
    );
  }
  if (record.builtFor?.packageVersion !== cudaHopperVersion) {
    problems.push(
      `the binary was built for @megakernel/cuda-hopper ${record.builtFor?.packageVersion}, the package is ${cudaHopperVersion}`,
    );
  }
  if (record.glibcMin !== platformManifest.megakernel?.glibcMin) {
    problems.push(
      `the record's glibc floor ${record.glibcMin} is not package.json's ${platformManifest.megakernel?.glibcMin}`,
    );
  }
  if (!record.gpuTests || record.gpuTests.failed !== 0 || !record.gpuTests.onThisBinary) {
    problems.push('the record shows no passing GPU test run on this binary');
  }
  return problems;
}

// ---- facts from this machine (the GPU host in the release workflow) ----

const firstLine = (cmd, args) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) return `unknown (${cmd} ${args.join(' ')} failed)`;
  return (
    r.stdout
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'unknown'
  );
};

/** The compilers CMake used (its cache in packages/cuda-hopper/build), and their versions. */
function toolchainFacts(cudaHopperDir) {
  const cache = fs.readFileSync(path.join(cudaHopperDir, 'build', 'CMakeCache.txt'), 'utf8');
  const entry = (name) => cache.match(new RegExp(`^${name}:[A-Z]+=(.*)$`, 'm'))?.[1];
  const nvcc = entry('CMAKE_CUDA_COMPILER');
  const cxx = entry('CMAKE_CXX_COMPILER');
  const cmake = entry('CMAKE_COMMAND') ?? 'cmake';
  // nvcc compiles host code with CMAKE_CUDA_HOST_COMPILER when set, else with the g++ on PATH.
  const cudaHost = entry('CMAKE_CUDA_HOST_COMPILER') || 'g++';
  const nvccRelease = spawnSync(nvcc, ['--version'], { encoding: 'utf8' }).stdout?.match(
    /^Cuda compilation tools, .*$/m,
  )?.[0];
  const cmakeJs = createRequire(path.join(cudaHopperDir, 'package.json'))('cmake-js/package.json').version;
  return {
    nvcc: { path: nvcc, version: nvccRelease ?? 'unknown' },
    cxx: { path: cxx, version: firstLine(cxx, ['--version']) },
    cudaHostCompiler: { path: cudaHost, version: firstLine(cudaHost, ['--version']) },
    cmake: { path: cmake, version: firstLine(cmake, ['--version']) },
    cmakeJs,
    node: process.version,
  };
}

/** What the binary says about itself, read in a child process (loading runs no CUDA call). */
function binaryIdentity(file) {
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      'const a = require(process.argv[1]); console.log(JSON.stringify({ addonAbi: a.abiVersion, packageVersion: a.packageVersion }))',
      file,
    ],
    { encoding: 'utf8' },
  );
  return { package: '@megakernel/cuda-hopper', ...JSON.parse(out) };
}

function gitCommit() {
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
    cwd: repo,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.endsWith(`/${BINARY}`) && !l.endsWith(`/${RECORD}`));
  if (dirty.length > 0) {
    throw new Error(
      `the working tree has changes besides the binary (${dirty.join(', ')}): commit them first`,
    );
  }
  return head;
}

function argument(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

function main() {
  const mode = process.argv[2];
  const packageDir = path.resolve(
    argument('--package-dir') ?? path.join(repo, 'packages', 'cuda-hopper-linux-x64-gnu'),
  );
  const cudaHopperDir = path.join(repo, 'packages', 'cuda-hopper');
  const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
  const platformManifest = readJson(path.join(packageDir, 'package.json'));
  const binaryPath = path.join(packageDir, BINARY);
  const binary = fs.readFileSync(binaryPath);
  if (mode === 'write') {
    const log = argument('--gpu-tests-log');
    const record = buildInfo({
      binary,
      platformManifest,
      identity: binaryIdentity(binaryPath),
      commit: gitCommit(),
      toolchain: toolchainFacts(cudaHopperDir),
      gpuTests: log ? readGpuTestLog(fs.readFileSync(log, 'utf8')) : undefined,
    });
    fs.writeFileSync(path.join(packageDir, RECORD), `${JSON.stringify(record, null, 2)}\n`);
    console.log(`record-build-info: wrote ${path.join(packageDir, RECORD)} (sha256 ${record.binary.sha256})`);
  } else if (mode === 'verify') {
    const problems = verifyBuildInfo(readJson(path.join(packageDir, RECORD)), {
      binary,
      platformManifest,
      cudaHopperVersion: readJson(path.join(cudaHopperDir, 'package.json')).version,
      commit: argument('--commit'),
    });
    for (const p of problems) console.error(`record-build-info: ${p}`);
    if (problems.length > 0) process.exit(1);
    console.log(`record-build-info: ${BINARY} matches ${RECORD} (sha256 ${sha256(binary)})`);
  } else {
    console.error(
      'usage: node tools/record-build-info.mjs write [--gpu-tests-log FILE] | verify [--commit SHA]',
    );
    process.exit(2);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (e) {
    console.error(`record-build-info: ${e.message}`);
    process.exit(1);
  }
}
