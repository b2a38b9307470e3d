// Bundles the GPU-host entry points (tests, benchmark, sanitizer run) with every workspace package
// into single .mjs files under <repo>/.device/, copies the addon and the fixtures beside them.
// Usage: node scripts/bundle-device.mjs   (after building the addon)
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(pkg, '../..');
const out = path.join(repo, '.device');
// Every workspace package with TypeScript sources (default-model too: the CLI imports it, and in a
// bundle its folder resolves to <repo>/model, which does not exist: give the CLI --model <dir> there).
const packages = fs
  .readdirSync(path.join(repo, 'packages'))
  .filter((p) => fs.existsSync(path.join(repo, 'packages', p, 'src', 'index.ts')));
const alias = Object.fromEntries(
  packages.map((p) => [`@megakernel/${p}`, path.join(repo, 'packages', p, 'src', 'index.ts')]),
);

await build({
  entry: {
    'gpu-tests': path.join(pkg, 'gpu', 'gpu-tests.ts'),
    bench: path.join(pkg, 'gpu', 'bench.ts'),
    'prefill-bench': path.join(pkg, 'gpu', 'prefill-bench.ts'),
    sanitize: path.join(pkg, 'gpu', 'sanitize.ts'),
    'gpu-fuzz': path.join(pkg, 'gpu', 'fuzz.ts'),
    // A random-weight checkpoint folder shaped like a preset, for `cli.mjs bench --model <dir>`.
    'write-checkpoint': path.join(pkg, 'gpu', 'write-checkpoint.ts'),
    // The `megakernel` command itself (packages/cli's bin); it finds the addon beside it (.device/*.node)
    // or through MEGAKERNEL_CUDA_ADDON.
    cli: path.join(repo, 'packages', 'cli', 'src', 'main.ts'),
  },
  outDir: out,
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  bundle: true,
  splitting: false,
  sourcemap: false,
  clean: false,
  dts: false,
  noExternal: [/.*/],
  outExtension: () => ({ js: '.mjs' }),
  esbuildOptions(o) {
    o.alias = alias;
    // Bundled CommonJS dependencies may call require(); give ESM output one.
    o.banner = {
      js: "import { createRequire as __mkCreateRequire } from 'node:module'; const require = __mkCreateRequire(import.meta.url);",
    };
  },
  silent: true,
});

const addon = [
  path.join(pkg, 'build', 'Release', 'megakernel_cuda.node'),
  path.join(pkg, '..', 'cuda-hopper-linux-x64-gnu', 'megakernel_cuda.node'),
].find((p) => fs.existsSync(p));
if (addon) fs.copyFileSync(addon, path.join(out, 'megakernel_cuda.node'));
else console.warn('bundle-device: no addon built; the bundles will report "no addon"');

// Every fixture of the repository's fixtures/ (a folder with a config.json; fixtures/README.md).
// fixtures/pending/ holds families not supported yet and stays behind.
for (const fixtures of [path.join(repo, 'fixtures')]) {
  if (!fs.existsSync(fixtures)) continue;
  fs.rmSync(path.join(out, 'fixtures'), { recursive: true, force: true });
  for (const f of fs.readdirSync(fixtures)) {
    const src = path.join(fixtures, f);
    if (!fs.existsSync(path.join(src, 'config.json'))) continue;
    fs.mkdirSync(path.join(out, 'fixtures', f), { recursive: true });
    for (const file of fs.readdirSync(src))
      fs.copyFileSync(path.join(src, file), path.join(out, 'fixtures', f, file));
  }
}
try {
  const head = execSync('git rev-parse HEAD', { cwd: repo }).toString().trim();
  const dirty = execSync('git status --porcelain', { cwd: repo }).toString().trim() ? '-dirty' : '';
  fs.writeFileSync(path.join(out, 'commit.txt'), `${head}${dirty}\n`);
} catch {
  fs.writeFileSync(path.join(out, 'commit.txt'), 'unknown\n');
}
fs.mkdirSync(path.join(out, 'bench'), { recursive: true });
fs.copyFileSync(path.join(repo, 'bench', 'torch_baseline.py'), path.join(out, 'bench', 'torch_baseline.py'));
for (const f of fs.readdirSync(out)) {
  const s = fs.statSync(path.join(out, f));
  if (s.isFile()) console.log(`${f}\t${(s.size / 1e6).toFixed(2)} MB`);
}
