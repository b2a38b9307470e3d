/** Operand pieces and access-model steps several ops share. */
import type { AccessView } from '../access-view.js';
import { FLAG_NORM_LAYER, FLAG_NORM_NO_WEIGHT } from '../flags.js';
import type { TensorSlotField } from '../instruction-layout.js';
import { arg, type FlagBit, float, param } from '../op-descriptor.js';

export const NORM_FLAGS = [
  {
    mask: FLAG_NORM_LAYER,
    name: 'layerNorm',
    doc: 'LayerNorm (subtract the mean, population variance) instead of RMSNorm',
    model: 'layerNorm',
  },
  { mask: FLAG_NORM_NO_WEIGHT, name: 'noWeight', doc: 'no gamma/beta: normParams is absent' },
] as const satisfies readonly FlagBit[];
export const NO_WEIGHT_FLAG = NORM_FLAGS[1];

const NORM_PARAMS_DOC =
  'norm parameters [1, n] (gamma) or, for LayerNorm only, [2, n] (gamma; beta); absent with noWeight';
export const normParams = (slot: TensorSlotField) => param(slot, 'normParams', NORM_PARAMS_DOC, true);

export const ROWS = [
  arg('a0', 'rowStart', 'first output row of this tile'),
  arg('a1', 'rowCount', 'output rows in this tile (> 0)'),
] as const;
export const K_RANGE = [
  arg('a2', 'kStart', 'first input column'),
  arg('a3', 'kCount', 'input columns; 0 = through the end (K - kStart)'),
] as const;
export const EPS = float('f0', 'eps', 'norm epsilon', 'normEps');
export const ARGMAX_KEYS = 'argmax keys [maxSeq, 2] u32: per position a u64 key, low word first';
/** Keys each LM head tile keeps for SAMPLE: the most top-k the device sampler serves. */
export const CANDIDATES_PER_LIST = 64;
/** u32 words of SAMPLE's parameters. */
export const SAMPLING_WORDS = 8;
export const CANDIDATE_KEYS =
  'candidate keys [lists, 128] u32: per LM head tile its 64 largest argmax keys, largest first, low word first; 0 pads';
export const SAMPLING_PARAMS =
  'sampling parameters [8] u32: topK, 0, temperature as f64 (low word first), topP as f64, 0, 0';
export const SUPPRESS = arg('a2', 'suppressToken', 'row never chosen, 0xFFFFFFFF for none');

/** The tile's output rows [rowStart, rowStart + rowCount). */
export function tileRows(a: AccessView): [number, number] {
  const r0 = a.arg('rowStart');
  return [r0, r0 + a.arg('rowCount')];
}

/** A fused norm's input: the whole vector x and the whole of its norm parameters. */
export function normInput(a: AccessView): void {
  const x = a.tensor('x');
  a.read(x, a.whole(x));
  const params = a.opt('normParams');
  if (params) a.read(params, a.whole(params));
}

/** The rows of the tile of a [N, K] matrix read whole (fused-norm ops), and its bias rows. */
export function fullRowTile(a: AccessView, wName: string, biasName = 'bias'): void {
  const [r0, r1] = tileRows(a);
  const w = a.opt(wName);
  if (w) a.read(w, a.rows(w, r0, r1));
  const bias = a.opt(biasName);
  if (bias) a.read(bias, a.flat(bias, r0, r1));
}

/**
 * A linear tile over a k range: x[kStart, kStart + kc), W rows of the tile × those columns, and the
 * bias rows once (kStart = 0). Returns the output rows' intervals in `out`'s flat space.
 */
export function linearTile(a: AccessView, outName: string): number[] {
  const [r0, r1] = tileRows(a);
  const x = a.tensor('x');
  const w = a.tensor('W');
  const kStart = a.arg('kStart');
  const K = w.shape[1] ?? 1;
  const kc = a.arg('kCount') === 0 ? K - kStart : a.arg('kCount');
  a.read(x, a.flat(x, kStart, kStart + kc));
  a.read(w, a.rows(w, r0, r1, kStart, kStart + kc));
  const bias = a.opt('bias');
  if (bias && kStart === 0) a.read(bias, a.flat(bias, r0, r1));
  const out = a.tensor(outName);
  return a.flat(out, r0, r1);
}
