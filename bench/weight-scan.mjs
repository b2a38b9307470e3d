// What the NaN/Inf weight scan at load costs: loadCheckpoint with and without it (median of 9), against
// createEngine with the CPU backend (median of 3). Run after `pnpm build`:
//   node bench/weight-scan.mjs [checkpoint folder]   (default: the embedded default model)
import { createEngine, defaultModelDir, loadCheckpoint } from '../packages/runtime/dist/index.js';

const dir = process.argv[2] ?? defaultModelDir();
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const time = (fn) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
loadCheckpoint(dir).close(); // warm the page cache and the JIT
const withScan = [];
const without = [];
for (let i = 0; i < 9; i++) {
  withScan.push(time(() => loadCheckpoint(dir, { checkWeights: true }).close()));
  without.push(time(() => loadCheckpoint(dir, { checkWeights: false }).close()));
}
const engine = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const e = await createEngine({ model: dir, backend: 'cpu', checkWeights: false });
  engine.push(performance.now() - t0);
  e.close();
}
const scan = median(withScan) - median(without);
const load = median(engine) + median(without);
console.log(
  `${dir}: scan ${scan.toFixed(1)} ms, load without it ${load.toFixed(0)} ms (createEngine, cpu backend): ` +
    `${((100 * scan) / load).toFixed(1)}% of load`,
);
