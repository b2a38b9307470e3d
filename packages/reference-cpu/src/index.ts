// Ops: one per ISA concept, plain TypeScript over Float32Array, double accumulation.
export {
  activationFunction,
  applyActivation,
  gatedActivation,
  gelu,
  geglu,
  geluTanh,
  relu,
  silu,
  swiglu,
} from './ops/activations.js';
export { alibiSlopes } from './ops/alibi.js';
export {
  argmax,
  argmaxKey,
  argmaxKeyGreater,
  argmaxKeyToken,
  orderedBits,
  type ArgmaxKey,
} from './ops/argmax.js';
export {
  attentionChunkRange,
  attentionPartialHead,
  attentionReduceHead,
  decodeAttention,
  firstVisibleKey,
  kvCacheLayout,
  type AttentionHeadQuery,
  type DecodeAttentionArgs,
  type KvLayout,
} from './ops/attention.js';
export { causalAttention, type CausalAttentionArgs } from './ops/causal-attention.js';
export {
  bf16BitsToF32,
  f16BitsToF32,
  f32Bits,
  f32FromBits,
  f32ToBf16Bits,
  f32ToF16Bits,
  roundArrayToDtype,
  roundToBf16,
  roundToDtype,
  roundToF16,
} from './ops/dtype-convert.js';
export { add, mul, mulAdd, residualAdd, scale } from './ops/elementwise.js';
export { embeddingGather, type EmbeddingArgs } from './ops/embedding.js';
export { erf, erfc } from './ops/erf.js';
export { layerNorm } from './ops/layer-norm.js';
export { matmul, matvec, matvecTile, rowDot, type MatvecTile } from './ops/matvec.js';
export { createRng, xoshiro128StarStar, type Rng } from './ops/prng.js';
export { rmsNorm } from './ops/rms-norm.js';
export {
  applyRope,
  ropeAngles,
  ropeFrequencies,
  ropeInterleavePermutation,
  type RopeAngles,
  type RopeFrequencyPrecision,
} from './ops/rope.js';
export { sampleToken, samplingDistribution, type SamplingOptions } from './ops/sampling.js';
export { logSumExp, softmax } from './ops/softmax.js';

// The direct forward pass.
export { DecodeSession, type DecodeSessionOptions } from './forward/decode-session.js';
export { loadDecoderWeights, type DecoderWeights, type LayerWeights } from './forward/decoder-weights.js';
export { forward, type ForwardOptions } from './forward/forward.js';
export { generateGreedy, type GenerateGreedyOptions } from './forward/generate.js';

// The program VM.
export {
  type InstructionSite,
  type StuckWait,
  VmBoundsError,
  VmDeadlockError,
  VmInstructionError,
  VmProgramError,
  VmStepLimitError,
} from './vm/errors.js';
export { missingExecutors } from './vm/executors.js';
export { type RunGreedyOptions, type RunProgramOptions, runGreedy, runProgram } from './vm/run-program.js';
export { createVmSession, type VmSession } from './vm/vm-session.js';

// Test support: random-weight checkpoints of any config.
export { randomCheckpoint, type RandomCheckpointOptions } from './testing/random-checkpoint.js';

export const PACKAGE_NAME = '@megakernel/reference-cpu';
