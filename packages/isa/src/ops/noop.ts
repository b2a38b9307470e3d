/** NOOP and BARRIER: instructions that only wait and signal. */
import { defineOp } from '../op-descriptor.js';

const NO_OPERANDS = {
  category: 'control',
  status: 'executable',
  tensors: [],
  args: [],
  floats: [],
  flags: [],
  file: 'noop',
  accesses: () => {},
} as const;

export const NOOP = defineOp({
  name: 'NOOP',
  value: 0x00,
  summary: 'does nothing but its waits and signal; pads queues',
  ...NO_OPERANDS,
});

export const BARRIER = defineOp({
  name: 'BARRIER',
  value: 0x01,
  summary:
    'a pure synchronisation point: waits on its counters like any instruction, then signals (replaces the seeds\' BarrierWait; see ISA.md "Barriers")',
  ...NO_OPERANDS,
});
