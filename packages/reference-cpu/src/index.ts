// Ops: one per ISA concept, plain TypeScript over Float32Array, double accumulation.

// The direct forward pass.
export { DecodeSession, type DecodeSessionOptions } from './forward/decode-session.js';
export { type DecoderWeights, type LayerWeights, loadDecoderWeights } from './forward/decoder-weights.js';
export { type ForwardOptions, forward } from './forward/forward.js';
export { type GenerateGreedyOptions, generateGreedy } from './forward/generate.js';
export {
  activationFunction,
  applyActivation,
  gatedActivation,
  geglu,
  gelu,
  geluTanh,
  relu,
  silu,
  swiglu,
} from './ops/activations.js';
export { alibiSlopes } from './ops/alibi.js';
export {
  type ArgmaxKey,
  argmax,
  argmaxKey,
  argmaxKeyGreater,
  argmaxKeyToken,
  orderedBits,
} from './ops/argmax.js';
export {
  type AttentionHeadQuery,
  attentionChunkRange,
  attentionPartialHead,
  attentionReduceHead,
  type DecodeAttentionArgs,
  decodeAttention,
  firstVisibleKey,
  type KvLayout,
  kvCacheLayout,
} from './ops/attention.js';
export { type CausalAttentionArgs, causalAttention } from './ops/causal-attention.js';
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
export { type EmbeddingArgs, embeddingGather } from './ops/embedding.js';
export { erf, erfc } from './ops/erf.js';
export { layerNorm } from './ops/layer-norm.js';
export { type MatvecTile, matmul, matvec, matvecTile, rowDot } from './ops/matvec.js';
export { createRng, type Rng, xoshiro128StarStar } from './ops/prng.js';
export { rmsNorm } from './ops/rms-norm.js';
export {
  applyRope,
  type RopeAngles,
  type RopeFrequencyPrecision,
  ropeAngles,
  ropeFrequencies,
  ropeInterleavePermutation,
} from './ops/rope.js';
export { type SamplingOptions, sampleToken, samplingDistribution } from './ops/sampling.js';
export { logSumExp, softmax } from './ops/softmax.js';
// Test support: random-weight checkpoints of any config.
export { type RandomCheckpointOptions, randomCheckpoint } from './testing/random-checkpoint.js';
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

export const PACKAGE_NAME = '@megakernel/reference-cpu';
