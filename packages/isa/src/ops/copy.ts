/** COPY, ZERO and CACHE_APPEND: moves of elements between tensors (one kernel file, copy). */
import { ANY, arg, defineOp, FLOAT, tensor } from '../op-descriptor.js';

export const CACHE_APPEND = defineOp({
  name: 'CACHE_APPEND',
  value: 0x14,
  category: 'memory',
  status: 'executable',
  summary:
    'writes a K or V vector into the KV cache at `pos`: kv[which, pos, :, :] = src[offset .. offset + Hkv*d)',
  tensors: [
    tensor('t0', 'src', 'read', FLOAT, 'source vector'),
    tensor('t1', 'kv', 'write', FLOAT, 'KV cache [2, maxSeq, Hkv, d]'),
  ],
  args: [arg('a0', 'offset', 'first source element'), arg('a1', 'which', '0 = K, 1 = V')],
  floats: [],
  flags: [],
  file: 'copy',
  accesses(a) {
    const kv = a.tensor('kv');
    const src = a.tensor('src');
    const [, , hkv = 0, d = 0] = kv.shape;
    const offset = a.arg('offset');
    const which = a.arg('which');
    a.read(src, a.flat(src, offset, offset + hkv * d));
    a.write(kv, a.box(kv, [which, a.pos, 0, 0], [which + 1, a.pos + 1, hkv, d]));
  },
  geometry(g) {
    if (!g.rank('kv', 4)) return;
    const [, , Hkv, d] = g.shape('kv') as [number, number, number, number];
    g.dimEq('kv', 0, 2, 'K and V');
    g.seqRows('kv', 1);
    if (g.arg('which') > 1)
      g.mismatch('which', g.arg('which'), 'arg-out-of-range', true, 'which is 0 (K) or 1 (V)');
    const offset = g.arg('offset');
    if (g.has('src') && offset + Hkv * d > g.elements('src')) {
      g.mismatch(
        'offset',
        offset,
        'tile-out-of-range',
        true,
        `offset ${offset} + Hkv·d ${Hkv * d} > src elements`,
      );
    }
  },
});

export const COPY = defineOp({
  name: 'COPY',
  value: 0x15,
  category: 'memory',
  status: 'executable',
  summary:
    'dst[dstOffset + i] = src[srcOffset + i] for i < count (flat element indices), converting dtype (floats round to nearest even; integer to float exact when representable)',
  tensors: [tensor('t0', 'src', 'read', ANY, 'source'), tensor('t1', 'dst', 'write', ANY, 'destination')],
  args: [
    arg('a0', 'srcOffset', 'first source element'),
    arg('a1', 'dstOffset', 'first destination element'),
    arg('a2', 'count', 'elements'),
  ],
  floats: [],
  flags: [],
  file: 'copy',
  accesses(a) {
    const src = a.tensor('src');
    const dst = a.tensor('dst');
    const n = a.arg('count');
    a.read(src, a.flat(src, a.arg('srcOffset'), a.arg('srcOffset') + n));
    a.write(dst, a.flat(dst, a.arg('dstOffset'), a.arg('dstOffset') + n));
  },
  geometry(g) {
    g.range('srcOffset', 'count', g.elements('src'));
    if (g.arg('count') > 0) g.range('dstOffset', 'count', g.elements('dst'));
  },
});

export const ZERO = defineOp({
  name: 'ZERO',
  value: 0x16,
  category: 'memory',
  status: 'executable',
  summary: 'dst[offset + i] = 0 for i < count (flat element indices, all-zero bits for every dtype)',
  tensors: [tensor('t0', 'dst', 'write', ANY, 'destination')],
  args: [arg('a0', 'offset', 'first element'), arg('a1', 'count', 'elements')],
  floats: [],
  flags: [],
  file: 'copy',
  accesses(a) {
    const dst = a.tensor('dst');
    a.write(dst, a.flat(dst, a.arg('offset'), a.arg('offset') + a.arg('count')));
  },
  geometry(g) {
    g.range('offset', 'count', g.elements('dst'));
  },
});
