/**
 * Run-time checks of a RuntimeModelConfig, for configs that arrive as JSON (program containers,
 * checkpoint loaders) where the type system cannot help. Returns every violation; rule 'wrong-type'
 * means the value is not even of the declared type (the container reader rejects those outright).
 */
import {
  type ActivationKind,
  type Architecture,
  type NormKind,
  type NormPlacement,
  type PositionKind,
  type QkNormKind,
  type RopeLayout,
  type RuntimeModelConfig,
  rotaryDim,
  SUPPORTED_ARCHITECTURES,
} from './model-config.js';

/** The config's sizes: positive integers that fix every tensor shape of a program. */
export const SIZE_FIELDS = [
  'numLayers',
  'hiddenSize',
  'intermediateSize',
  'vocabSize',
  'numHeads',
  'numKvHeads',
  'headDim',
  'maxPositionEmbeddings',
] as const satisfies readonly (keyof RuntimeModelConfig)[];

export interface ConfigViolation {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
}

type Kind =
  | 'int'
  | 'number'
  | 'boolean'
  | 'nullable-int'
  | 'nullable-number'
  | 'nullable-booleans'
  | readonly string[];

const NORMS: readonly NormKind[] = ['rms', 'layer'];
const ACTIVATIONS: readonly ActivationKind[] = ['silu', 'gelu', 'gelu_tanh', 'relu'];
const POSITIONS: readonly PositionKind[] = ['rope', 'learned', 'alibi', 'none'];
const ROPE_LAYOUTS: readonly RopeLayout[] = ['rotate-half', 'interleaved'];
const QK_NORMS: readonly QkNormKind[] = ['none', 'per-head', 'whole'];
const NORM_PLACEMENTS: readonly NormPlacement[] = ['pre', 'post', 'sandwich'];

const FIELDS: Readonly<
  Record<Exclude<keyof RuntimeModelConfig, 'ropeScaling' | 'eosTokenIds' | 'moe'>, Kind>
> = {
  architecture: SUPPORTED_ARCHITECTURES as readonly Architecture[],
  numLayers: 'int',
  hiddenSize: 'int',
  intermediateSize: 'int',
  vocabSize: 'int',
  numHeads: 'int',
  numKvHeads: 'int',
  headDim: 'int',
  maxPositionEmbeddings: 'int',
  norm: NORMS,
  normEps: 'number',
  normBias: 'boolean',
  normPlacement: NORM_PLACEMENTS,
  qkvBias: 'boolean',
  qkNorm: QK_NORMS,
  oBias: 'boolean',
  mlpBias: 'boolean',
  lmHeadBias: 'boolean',
  mlpGated: 'boolean',
  activation: ACTIVATIONS,
  position: POSITIONS,
  ropeTheta: 'number',
  partialRotaryFactor: 'number',
  ropeLayout: ROPE_LAYOUTS,
  slidingWindow: 'nullable-int',
  slidingWindowLayers: 'nullable-booleans',
  attnLogitSoftcap: 'nullable-number',
  finalLogitSoftcap: 'nullable-number',
  tieWordEmbeddings: 'boolean',
  embeddingScale: 'number',
  attentionScale: 'number',
  residualScale: 'number',
  parallelResidual: 'boolean',
  logitsScale: 'number',
  bosTokenId: 'nullable-int',
};

function hasKind(v: unknown, kind: Kind): boolean {
  if (Array.isArray(kind)) return typeof v === 'string' && kind.includes(v);
  switch (kind) {
    case 'int':
      return Number.isSafeInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'nullable-int':
      return v === null || Number.isSafeInteger(v);
    case 'nullable-number':
      return v === null || (typeof v === 'number' && Number.isFinite(v));
    case 'nullable-booleans':
      return v === null || (Array.isArray(v) && v.every((b) => typeof b === 'boolean'));
  }
  return false;
}

function checkTypes(c: Record<string, unknown>, out: ConfigViolation[]): void {
  for (const [field, kind] of Object.entries(FIELDS) as [string, Kind][]) {
    if (!hasKind(c[field], kind)) out.push({ field, value: c[field], rule: 'wrong-type' });
  }
  const eos = c.eosTokenIds;
  if (!Array.isArray(eos) || !eos.every((e) => Number.isSafeInteger(e) && e >= 0)) {
    out.push({ field: 'eosTokenIds', value: eos, rule: 'wrong-type' });
  }
  const s = c.ropeScaling as Record<string, unknown> | null | undefined;
  const num = (k: string): boolean => typeof s?.[k] === 'number' && Number.isFinite(s[k]);
  const ok =
    typeof s === 'object' &&
    s !== null &&
    (s.type === 'none' ||
      (s.type === 'linear' && num('factor')) ||
      (s.type === 'llama3' &&
        num('factor') &&
        num('lowFreqFactor') &&
        num('highFreqFactor') &&
        num('originalMaxPositionEmbeddings')) ||
      (s.type === 'longrope' &&
        num('factor') &&
        num('attentionFactor') &&
        num('originalMaxPositionEmbeddings') &&
        finiteList(s.shortFactor) &&
        finiteList(s.longFactor)));
  if (!ok) out.push({ field: 'ropeScaling', value: s, rule: 'wrong-type' });
  const moe = c.moe as Record<string, unknown> | null | undefined;
  const moeOk =
    moe === null ||
    (typeof moe === 'object' &&
      moe !== undefined &&
      Number.isSafeInteger(moe.numExperts) &&
      Number.isSafeInteger(moe.topK) &&
      typeof moe.normalizeTopK === 'boolean');
  if (!moeOk) out.push({ field: 'moe', value: moe, rule: 'wrong-type' });
}

function finiteList(v: unknown): boolean {
  return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function checkSemantics(c: RuntimeModelConfig, out: ConfigViolation[]): void {
  const bad = (field: string, value: unknown, rule: string): void => {
    out.push({ field, value, rule });
  };
  for (const field of SIZE_FIELDS) {
    if (c[field] <= 0) bad(field, c[field], 'positive');
  }
  if (c.numKvHeads > 0 && c.numHeads % c.numKvHeads !== 0)
    bad('numKvHeads', c.numKvHeads, 'divides-num-heads');
  if (c.normEps <= 0) bad('normEps', c.normEps, 'positive');
  if (c.attentionScale <= 0) bad('attentionScale', c.attentionScale, 'positive');
  if (c.residualScale <= 0) bad('residualScale', c.residualScale, 'positive');
  if (c.logitsScale <= 0) bad('logitsScale', c.logitsScale, 'positive');
  if (c.normBias && c.norm !== 'layer') bad('normBias', c.normBias, 'bias-needs-layer-norm');
  if (c.slidingWindow !== null && c.slidingWindow <= 0)
    bad('slidingWindow', c.slidingWindow, 'positive-or-null');
  if (c.slidingWindowLayers !== null && c.slidingWindowLayers.length !== c.numLayers)
    bad('slidingWindowLayers', c.slidingWindowLayers.length, 'one-per-layer');
  for (const f of ['attnLogitSoftcap', 'finalLogitSoftcap'] as const) {
    const v = c[f];
    if (v !== null && v <= 0) bad(f, v, 'positive-or-null');
  }
  if (c.moe !== null) {
    if (c.moe.numExperts < 1) bad('moe.numExperts', c.moe.numExperts, 'positive');
    if (c.moe.topK < 1 || c.moe.topK > c.moe.numExperts) bad('moe.topK', c.moe.topK, 'in-[1,numExperts]');
    if (!c.mlpGated) bad('moe', c.moe, 'experts-are-gated');
  }
  if (c.position === 'rope') {
    if (c.headDim % 2 !== 0) bad('headDim', c.headDim, 'even-for-rope');
    if (!(c.ropeTheta > 0)) bad('ropeTheta', c.ropeTheta, 'positive-for-rope');
    if (!(c.partialRotaryFactor > 0 && c.partialRotaryFactor <= 1)) {
      bad('partialRotaryFactor', c.partialRotaryFactor, 'in-(0,1]');
    } else if (rotaryDim(c) === 0)
      bad('partialRotaryFactor', c.partialRotaryFactor, 'rotates-at-least-one-pair');
    const s = c.ropeScaling;
    if (s.type !== 'none' && !(s.factor > 0)) bad('ropeScaling.factor', s.factor, 'positive');
    if (s.type === 'llama3' && !(s.highFreqFactor > s.lowFreqFactor)) {
      bad('ropeScaling.highFreqFactor', s.highFreqFactor, 'above-low-freq-factor');
    }
    if (s.type === 'longrope') {
      const pairs = rotaryDim(c) / 2;
      for (const key of ['shortFactor', 'longFactor'] as const) {
        if (s[key].length !== pairs) bad(`ropeScaling.${key}`, s[key].length, 'one-per-rotary-pair');
        if (!s[key].every((f) => f > 0)) bad(`ropeScaling.${key}`, s[key], 'positive');
      }
      if (!(s.attentionFactor > 0)) bad('ropeScaling.attentionFactor', s.attentionFactor, 'positive');
      if (!(s.originalMaxPositionEmbeddings > 0))
        bad('ropeScaling.originalMaxPositionEmbeddings', s.originalMaxPositionEmbeddings, 'positive');
    }
  }
  for (const field of ['bosTokenId'] as const) {
    const v = c[field];
    if (v !== null && (v < 0 || v >= c.vocabSize)) bad(field, v, 'token-in-vocab');
  }
  c.eosTokenIds.forEach((e, i) => {
    if (e >= c.vocabSize) bad(`eosTokenIds[${i}]`, e, 'token-in-vocab');
  });
}

/** Every violation of `c` (empty when valid). Semantic rules run only when the types are right. */
export function validateModelConfig(c: unknown): ConfigViolation[] {
  const out: ConfigViolation[] = [];
  if (typeof c !== 'object' || c === null || Array.isArray(c)) {
    return [{ field: '', value: c, rule: 'wrong-type' }];
  }
  checkTypes(c as Record<string, unknown>, out);
  if (out.length === 0) checkSemantics(c as RuntimeModelConfig, out);
  return out;
}
