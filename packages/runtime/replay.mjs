import { decodeQueue, opcodeInfo, writeProgram } from '@megakernel/isa';
import { loadCheckpoint } from '@megakernel/model';
import { forward, runProgram } from '@megakernel/reference-cpu';
import { compile } from '@megakernel/scheduler';
import { loadProgramBytes } from './dist/index.js';

function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const checkpoint = loadCheckpoint('../../fixtures/llama-tiny');
const program = compile(checkpoint, { queues: 4, maxSeqLen: 16, kvDtype: 'f32' });
const original = writeProgram(program);
const instructions = program.queues.reduce((n, q) => n + q.byteLength / 64, 0);
const queueStart = original.byteLength - instructions * 64;
function mutate(next) {
  const pick = (n) => Math.floor(next() * n);
  const kind = pick(10);
  if (kind === 0) return original.subarray(0, pick(original.byteLength));
  const out = new Uint8Array(original);
  const at = () => (next() < 0.8 ? queueStart + pick(instructions * 64) : pick(out.byteLength));
  if (kind <= 6) {
    for (let flips = 1 + pick(3); flips > 0; flips--) {
      const i = at();
      out[i] ^= 1 << pick(8);
    }
  } else out[at()] = pick(256);
  return out;
}
const seed = Number(process.argv[2]);
const cases = process.argv.slice(3).map(Number);
const next = seededRandom(seed);
const max = Math.max(...cases);
const PROMPT = [72, 101, 108, 108, 111];
const expected = forward(checkpoint, PROMPT);
for (let c = 0; c <= max; c++) {
  const bytes = mutate(next);
  if (!cases.includes(c)) continue;
  const diffs = [];
  for (let i = 0; i < Math.min(bytes.length, original.length); i++)
    if (bytes[i] !== original[i]) diffs.push(i);
  console.log(
    `case ${c}: length ${bytes.length}/${original.length}, diffs at`,
    diffs.map((i) => {
      if (i >= queueStart) {
        const k = Math.floor((i - queueStart) / 64);
        return `inst#${k} byte ${(i - queueStart) % 64}: ${original[i]}->${bytes[i]}`;
      }
      return `header ${i}: ${original[i]}->${bytes[i]} ctx '${Buffer.from(original.subarray(Math.max(0, i - 40), i + 20)).toString('latin1')}'`;
    }),
  );
  let p;
  try {
    p = loadProgramBytes(bytes, { source: 'x', model: checkpoint.config });
  } catch (e) {
    console.log('  refused:', e.message.slice(0, 200));
    continue;
  }
  const l = runProgram(p, checkpoint, PROMPT, { maxSteps: 4 * instructions * PROMPT.length });
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(l[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  console.log('  worst', worst);
}
const list = program.queues.flatMap((q) => decodeQueue(q));
for (const k of [24, 7]) {
  const i = list[k];
  console.log(
    k,
    opcodeInfo(i.opcode).name,
    'layer?',
    i.layer,
    't0',
    i.t0,
    program.tensors[i.t0]?.name,
    '->',
    program.tensors[23]?.name,
    program.tensors[23]?.region,
    program.tensors[23]?.shape,
    program.tensors[20]?.shape,
  );
}
