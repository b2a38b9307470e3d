/**
 * The container's JSON header: what it holds and a hand-written shape check (isa has no
 * dependencies, so no zod). Anything that is not exactly the declared shape is a ProgramFormatError,
 * so a reader never hands a half-typed Program to a VM.
 */
import { ProgramFormatError } from './errors.js';
import type { RuntimeModelConfig } from './model-config.js';
import {
  BASE_IO_KEYS,
  DTYPE_BYTES,
  type Program,
  SAMPLER_IO_KEYS,
  type TensorEntry,
} from './program-types.js';
import { TENSOR_MAX_RANK } from './tensor-table.js';
import { validateModelConfig } from './validate-config.js';

export interface ProgramHeader {
  readonly formatVersion: number;
  readonly config: RuntimeModelConfig;
  readonly maxSeqLen: number;
  readonly tensors: readonly TensorEntry[];
  readonly weightBytes: number;
  readonly stateBytes: number;
  readonly counterCount: number;
  /** Prefill programs only (absent: 1). */
  readonly tokensPerStep?: number;
  readonly io: Program['io'];
  readonly meta: Program['meta'];
  /** Instructions (not bytes) per queue. */
  readonly queueLengths: readonly number[];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

const HEADER_KEYS = [
  'formatVersion',
  'config',
  'maxSeqLen',
  'tensors',
  'weightBytes',
  'stateBytes',
  'counterCount',
  'tokensPerStep',
  'io',
  'meta',
  'queueLengths',
] as const;

function fail(what: string, value: unknown): never {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 80) ?? String(value);
  } catch {
    shown = String(value);
  }
  throw new ProgramFormatError('bad-header', `${what} (got ${shown})`);
}

const STATE_INITS = ['zero', 'rope-table', 'minus-one'];
const SOURCE_KINDS = ['tensor', 'transpose', 'rows', 'concat', 'stack', 'rope-permute', 'add-one'];

function checkSource(s: unknown, where: string, depth = 0): void {
  if (depth > 16 || !isObject(s) || typeof s.kind !== 'string' || !SOURCE_KINDS.includes(s.kind)) {
    throw new ProgramFormatError('bad-tensor-table', `${where}: not a weight source`);
  }
  if (s.kind === 'tensor' || s.kind === 'transpose') {
    if (typeof s.name !== 'string')
      throw new ProgramFormatError('bad-tensor-table', `${where}.name: not a string`);
  } else if (s.kind === 'concat' || s.kind === 'stack') {
    if (!Array.isArray(s.parts))
      throw new ProgramFormatError('bad-tensor-table', `${where}.parts: not an array`);
    s.parts.forEach((p, i) => {
      checkSource(p, `${where}.parts[${i}]`, depth + 1);
    });
  } else if (s.kind === 'add-one') {
    checkSource(s.source, `${where}.source`, depth + 1);
  } else {
    checkSource(s.source, `${where}.source`, depth + 1);
    const nums = s.kind === 'rows' ? ['start', 'count'] : ['heads', 'headDim', 'rotaryDim'];
    for (const k of nums) {
      if (!isCount(s[k])) throw new ProgramFormatError('bad-tensor-table', `${where}.${k}: not a count`);
    }
  }
}

function checkTensor(t: unknown, i: number): void {
  const where = `tensors[${i}]`;
  const bad = (why: string): never => {
    throw new ProgramFormatError('bad-tensor-table', `${where}: ${why}`);
  };
  if (!isObject(t)) bad('not an object');
  const e = t as Record<string, unknown>;
  if (e.id !== i) bad(`id ${String(e.id)} is not its position ${i}`);
  if (typeof e.name !== 'string') bad('name is not a string');
  if (typeof e.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, e.dtype))
    bad(`unknown dtype ${String(e.dtype)}`);
  if (e.region !== 'weights' && e.region !== 'state') bad(`unknown region ${String(e.region)}`);
  if (
    !Array.isArray(e.shape) ||
    e.shape.length > TENSOR_MAX_RANK ||
    !e.shape.every((d) => isCount(d) && d <= 0xffffffff)
  ) {
    bad('shape is not at most 4 dims below 2^32');
  }
  if (!isCount(e.byteOffset)) bad('byteOffset is not a non-negative integer');
  if (e.layer !== undefined && !isCount(e.layer)) bad('layer is not a count');
  if (e.tokenAxis !== undefined && e.tokenAxis !== true) bad('tokenAxis is true or absent');
  if (e.source !== undefined) checkSource(e.source, `${where}.source`);
  if (e.init !== undefined && !(isObject(e.init) && STATE_INITS.includes(e.init.kind as string)))
    bad('unknown init');
}

/** Checks a parsed JSON value against the header shape; returns it typed or throws ProgramFormatError. */
export function checkProgramHeader(h: unknown): ProgramHeader {
  if (!isObject(h)) fail('header is not an object', h);
  for (const k of Object.keys(h)) {
    if (!(HEADER_KEYS as readonly string[]).includes(k)) fail(`unknown header key ${k}`, k);
  }
  if (!Number.isSafeInteger(h.formatVersion)) fail('formatVersion is not an integer', h.formatVersion);
  const configProblems = isObject(h.config)
    ? validateModelConfig(h.config).filter((v) => v.rule === 'wrong-type')
    : [];
  if (!isObject(h.config) || configProblems.length > 0) {
    fail(`config is not a RuntimeModelConfig (${configProblems.map((p) => p.field).join(', ')})`, h.config);
  }
  if (!Number.isSafeInteger(h.maxSeqLen) || (h.maxSeqLen as number) < 1)
    fail('maxSeqLen is not positive', h.maxSeqLen);
  if (!Array.isArray(h.tensors)) fail('tensors is not an array', h.tensors);
  if (h.tensors.length > 0xffff) fail('more than 65535 tensors', h.tensors.length);
  h.tensors.forEach(checkTensor);
  for (const k of ['weightBytes', 'stateBytes'] as const)
    if (!isCount(h[k])) fail(`${k} is not a byte count`, h[k]);
  if (!isCount(h.counterCount) || h.counterCount > 0xffff)
    fail('counterCount is not in [0, 65535]', h.counterCount);
  if (
    h.tokensPerStep !== undefined &&
    (!isCount(h.tokensPerStep) || h.tokensPerStep < 1 || h.tokensPerStep > 256)
  )
    fail('tokensPerStep is not in [1, 256]', h.tokensPerStep);
  const io = h.io;
  const ioKeys: readonly string[] =
    isObject(io) && 'candidates' in io ? [...BASE_IO_KEYS, ...SAMPLER_IO_KEYS] : BASE_IO_KEYS;
  if (!isObject(io) || !ioKeys.every((k) => isCount(io[k])) || Object.keys(io).length !== ioKeys.length) {
    fail(
      'io is not { tokens, logits, argmax } (with candidates, sampling, uniforms for a device sampler)',
      io,
    );
  }
  if (!isObject(h.meta)) fail('meta is not an object', h.meta);
  if (!Array.isArray(h.queueLengths) || !h.queueLengths.every(isCount)) {
    fail('queueLengths is not an array of counts', h.queueLengths);
  }
  return h as unknown as ProgramHeader;
}
