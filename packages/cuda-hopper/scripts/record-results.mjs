// Records a GPU-host run in the repository: <repo>/bench/results/<date>-<card>.json from the files
// a device run left in one folder (bench.json, torch.json, gpu-tests.log, sanitizer.log, info.txt).
// Usage: node scripts/record-results.mjs <folder> [suffix]   (suffix: <date>-<card>-<suffix>.json, so a
// second run on the same day and card does not overwrite the first)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2];
const suffix = (process.argv[3] ?? '').replace(/[^a-z0-9-]+/gi, '-');
if (!dir) throw new Error('usage: record-results.mjs <folder with bench.json>');
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const read = (f) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
const bench = JSON.parse(read('bench.json'));
const torch = read('torch.json') ? JSON.parse(read('torch.json')) : null;
const tests = read('gpu-tests.log');
const closing = tests.trim().split('\n').pop() ?? '';
const sanitizer = read('sanitizer.log');
const info = read('info.txt');
const sass = Object.fromEntries(
  info
    .split('\n')
    .map((l) =>
      /^(STL|LDL|LDS\.128|LDG\.E\.128|LDG\.E\.64|UBLKCP|SYNCS\.ARRIVE|SYNCS\.PHASECHK) (\d+)$/.exec(l),
    )
    .filter(Boolean)
    .map((m) => [m[1], Number(m[2])]),
);
const resource = (/Function _ZN2mk10megakernel[^\n]*\n\s*(REG:[^\n]*)/.exec(info) ?? [])[1] ?? null;
const record = {
  ...bench,
  torchBaseline: torch,
  gpuTests: { summary: closing, failures: tests.split('\n').filter((l) => l.startsWith('FAIL')) },
  sanitizer: {
    memcheck: (/ERROR SUMMARY: [^\n]*/.exec(sanitizer) ?? ['not run'])[0],
    racecheck: (/RACECHECK SUMMARY: [^\n]*/.exec(sanitizer) ?? ['not run'])[0],
  },
  kernelResources: resource,
  sassInstructionCounts: sass,
};
const card = bench.card
  .toLowerCase()
  .replace(/^nvidia\s+/, '')
  .replace(/[^a-z0-9]+/g, '-')
  .replace(/-+$/, '');
const file = path.join(repo, 'bench', 'results', `${bench.date}-${card}${suffix ? `-${suffix}` : ''}.json`);
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
console.log(`wrote ${path.relative(repo, file)}`);
