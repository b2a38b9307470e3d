// Sums the "Tests  N passed | M failed | K skipped (T)" lines vitest prints per package into the
// single closing line CI reads: "N passed, M failed, K skipped".
import { readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';

const [file, status] = process.argv.slice(2);
const text = stripVTControlCharacters(readFileSync(file, 'utf8'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let packages = 0;
for (const line of text.split('\n')) {
  const m = line.match(/\bTests\s+(.*)\(\d+\)\s*$/);
  if (!m) continue;
  packages++;
  for (const [, n, kind] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) totals[kind] += Number(n);
}
if (packages === 0 || (status !== '0' && totals.failed === 0)) totals.failed = Math.max(totals.failed, 1);
console.log(`\n${packages} test summaries read (exit status ${status}).`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
