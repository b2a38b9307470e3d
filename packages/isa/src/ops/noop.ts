/** NOOP and BARRIER: instructions that only wait and signal. */
import { defineOp } from '../op-descriptor.js';

const nothing = () => {};

export const NOOP = defineOp({
  name: 'NOOP',
  value: 0x00,
  category: 'control',
  status: 'executable',
  summary: 'does nothing but its waits and signal; pads queues',
  tensors: [],
  args: [],
  floats: [],
  flags: [],
  file: 'noop',
  accesses: nothing,
});

export const BARRIER = defineOp({
  name: 'BARRIER',
  value: 0x01,
  category: 'control',
  status: 'executable',
  summary:
    'a pure synchronisation point: waits on its counters like any instruction, then signals (replaces the seeds\' BarrierWait; see ISA.md "Barriers")',
  tensors: [],
  args: [],
  floats: [],
  flags: [],
  file: 'noop',
  accesses: nothing,
});
