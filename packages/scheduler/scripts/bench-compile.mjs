// Compile time of a preset (default llama-3.2-1b, 132 queues, maxSeqLen 1024) from the built package.
// Usage: pnpm --filter @megakernel/scheduler bench [preset] [queues] [runs]

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preset } from '@megakernel/isa';

const here = dirname(fileURLToPath(import.meta.url));
const { compile, verifyProgram } = await import(resolve(here, '../dist/index.js'));
const [name = 'llama-3.2-1b', queuesArg = '132', runsArg = '5'] = process.argv.slice(2);
const config = preset(name);
const options = { queues: Number(queuesArg), maxSeqLen: 1024 };
const runs = Number(runsArg);
const ms = (f) => {
  const t0 = performance.now();
  const result = f();
  return [performance.now() - t0, result];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// What a user waits for: one compile in a fresh process, verification included (the default).
// CPU time alongside wall time: on a shared machine the wall clock also counts other processes.
const cpu0 = process.cpuUsage();
const [cold, program] = ms(() => compile(config, options));
const cpu = process.cpuUsage(cpu0);
const compileMs = [];
const verifyMs = [];
for (let i = 0; i < runs; i++) {
  const [c, p] = ms(() => compile(config, { ...options, verify: false }));
  const [v, r] = ms(() => verifyProgram(p));
  if (!r.ok) throw new Error(r.violations[0].message);
  compileMs.push(c);
  verifyMs.push(v);
}
const n = program.queues.reduce((a, q) => a + q.byteLength / 64, 0);
console.log(
  `${name}, ${options.queues} queues, maxSeqLen ${options.maxSeqLen}: ${n} instructions, ${program.counterCount} counters`,
);
console.log(
  `first compile in this process, verification included: ${cold.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU (all threads, GC included)`,
);
console.log(
  `warm, median of ${runs}: compile ${median(compileMs).toFixed(0)} ms + verifyProgram ${median(verifyMs).toFixed(0)} ms`,
);
