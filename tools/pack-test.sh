#!/usr/bin/env bash
# The packaging test: what a user gets from npm. Packs every package with pnpm (prepack builds it, and
# workspace:^ ranges become real ones), installs the tarballs with npm into an empty folder (only the
# npm registry is reached, for third-party dependencies), then runs the `megakernel` command
# (--version, doctor, build-addon's failure without nvcc, generate with the embedded default model), the runtime README's example, a
# CommonJS require() of every package, and imports every package in a folder of its own that holds
# only it and its declared dependencies. Prints "pack-test: ok" last; any failure exits non-zero.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/megakernel-pack-test.XXXXXX")
# PACK_TEST_KEEP=1 leaves the folder behind (to try more by hand in the installed app).
if [ "${PACK_TEST_KEEP:-}" = 1 ]; then echo "pack-test: working in $work (kept)"; else trap 'rm -rf "$work"' EXIT; fi
step() { printf '\n== pack-test: %s\n' "$*"; }
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false

step "pnpm -r pack (prepack builds each package)"
(cd "$repo" && pnpm -r --filter './packages/*' pack --pack-destination "$work/tarballs" >"$work/pack.log" 2>&1) ||
  { cat "$work/pack.log"; exit 1; }
ls -l "$work/tarballs"

# package name -> tarball, and each package's @megakernel dependencies, from the packed manifests.
node - "$work" <<'JS'
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const work = process.argv[2];
const dir = path.join(work, 'tarballs');
const pkgs = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.tgz'))) {
  const m = JSON.parse(execFileSync('tar', ['-xzOf', path.join(dir, f), 'package/package.json'], { encoding: 'utf8' }));
  const deps = { ...m.dependencies, ...m.optionalDependencies };
  for (const [dep, range] of Object.entries(deps))
    if (range.startsWith('workspace:')) throw new Error(`${m.name}: ${dep} is still ${range} in the tarball`);
  if (!execFileSync('tar', ['-tzf', path.join(dir, f)], { encoding: 'utf8' }).includes('package/LICENSE'))
    throw new Error(`${m.name}: no LICENSE in the tarball`);
  pkgs[m.name] = { tarball: path.join(dir, f), internal: Object.keys(deps).filter((d) => d.startsWith('@megakernel/')) };
}
fs.writeFileSync(path.join(work, 'packages.json'), JSON.stringify(pkgs, null, 2));
JS

# An app folder whose package.json points every @megakernel name at its tarball (overrides too, so
# npm never asks the registry for them).
make_app() { # folder, package names...
  local app=$1; shift
  mkdir -p "$app"
  node - "$work/packages.json" "$app" "$@" <<'JS'
const fs = require('node:fs');
const [file, app, ...names] = process.argv.slice(2);
const pkgs = JSON.parse(fs.readFileSync(file, 'utf8'));
const closure = new Set();
const add = (n) => { if (!closure.has(n)) { closure.add(n); pkgs[n].internal.forEach(add); } };
names.forEach(add);
const spec = (n) => `file:${pkgs[n].tarball}`;
const deps = Object.fromEntries([...closure].sort().map((n) => [n, spec(n)]));
fs.writeFileSync(`${app}/package.json`, JSON.stringify({ name: 'pack-test-app', private: true, type: 'module', dependencies: deps, overrides: deps }, null, 2));
JS
  (cd "$app" && npm install --no-package-lock --loglevel=error >/dev/null)
}

app="$work/app"
step "npm install every tarball into an empty folder"
make_app "$app" $(node -p "Object.keys(require('$work/packages.json')).join(' ')")
cd "$app"

step "npx megakernel --version"
version=$(npx --no-install megakernel --version)
expected=$(node -p "require('@megakernel/cli/package.json').version")
echo "$version"
[ "$version" = "$expected" ] || { echo "expected $expected"; exit 1; }

step "npx megakernel doctor"
npx --no-install megakernel doctor

step "npx megakernel build-addon finds its toolchain in an npm tree (CUDACXX pointing nowhere: fails, naming it)"
set +e
CUDACXX=/nonexistent/nvcc npx --no-install megakernel build-addon >"$work/build-addon.out" 2>"$work/build-addon.err"
code=$?
set -e
cat "$work/build-addon.err"
[ "$code" -eq 1 ] || { echo "expected exit 1, got $code"; exit 1; }
# cmake-js resolved from the installed package (npm hoists it: there is no node_modules/.bin beside it).
grep -q "cmake-js is not installed" "$work/build-addon.err" && { echo "cmake-js did not resolve"; exit 1; }
tail -n 1 "$work/build-addon.err" | grep -q "^megakernel: the addon build failed (exit 1): CUDACXX is /nonexistent/nvcc" ||
  { echo "build-addon did not name CUDACXX"; exit 1; }

step "npx megakernel generate (default model, 8 tokens)"
npx --no-install megakernel generate "Call me Ishmael. " --max-tokens 8 --seed 1 >"$work/generated.txt"
echo; cat "$work/generated.txt"; echo
[ -s "$work/generated.txt" ] || { echo "generate printed nothing"; exit 1; }

step "the runtime README's example"
node -e "
const fs = require('node:fs');
const ts = require('$repo/node_modules/typescript');
const md = fs.readFileSync('node_modules/@megakernel/runtime/README.md', 'utf8');
const block = md.match(/\`\`\`ts\n([\s\S]*?)\`\`\`/)[1];
fs.writeFileSync('readme-example.mjs', ts.transpileModule(block, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
"
# Into a file, then the first 300 bytes: a pipe into head would end the example with EPIPE.
timeout 120 node readme-example.mjs >"$work/readme-example.txt"
head -c 300 "$work/readme-example.txt"; echo

step "require() from CommonJS (Node >= 20.19 loads the ES modules)"
node -e "
for (const n of Object.keys(require('$work/packages.json'))) {
  const m = require(n);
  if (Object.keys(m).length === 0) throw new Error(n + ': no exports');
  console.log('require', n, 'ok:', Object.keys(m).length, 'exports');
}"

step "import every package alone, with only its declared dependencies"
for name in $(node -p "Object.keys(require('$work/packages.json')).sort().join(' ')"); do
  alone="$work/alone/${name#@megakernel/}"
  make_app "$alone" "$name"
  (cd "$alone" && node --input-type=module -e "
    const m = await import('$name');
    console.log('import $name ok:', Object.keys(m).length, 'exports;', 'installed:', (await import('node:fs')).readdirSync('node_modules/@megakernel').join(' '));
  ")
done

printf '\npack-test: ok\n'
