/** ARGMAX: a row tile of logits folded into the position's argmax key. */
import { defineOp, F32, tensor } from '../op-descriptor.js';
import { ARGMAX_KEYS, ROWS, SUPPRESS, tileRows } from './shared.js';

export const ARGMAX = defineOp({
  name: 'ARGMAX',
  value: 0xa5,
  category: 'elementwise',
  status: 'executable',
  summary:
    'for rows r of the tile except suppressToken, atomically key[pos] = max(key[pos], (ord(logits[r]) << 32) | (0xFFFFFFFF - r)), ord(b) = b ^ 0xFFFFFFFF for negative floats and b | 0x80000000 otherwise (NaN never wins: skipped); the token is 0xFFFFFFFF - low word, ties go to the lowest row; keys start at 0',
  tensors: [
    tensor('t0', 'logits', 'read', F32, 'logits [V] f32'),
    tensor('t1', 'argmax', 'update', ['u32'], ARGMAX_KEYS),
  ],
  args: [...ROWS, SUPPRESS],
  floats: [],
  flags: [],
  file: 'argmax',
  accesses(a) {
    const [r0, r1] = tileRows(a);
    const logits = a.tensor('logits');
    a.read(logits, a.flat(logits, r0, r1));
    const keys = a.tensor('argmax');
    a.atomicMax(keys, a.row(keys, a.pos));
  },
  geometry(g) {
    g.range('rowStart', 'rowCount', g.elements('logits'));
    g.argmaxKeys('argmax');
  },
});
