// Ops: one per ISA concept, plain TypeScript over Float32Array, double accumulation.

// The direct forward pass.
export { DecoderClosedError } from './closed-error.js';
export { ForwardDecoder, type ForwardDecoderOptions } from './forward/decode-session.js';
export { type DecoderWeights, type LayerWeights, loadDecoderWeights } from './forward/decoder-weights.js';
export { forward } from './forward/forward.js';
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
} from './maths/activations.js';
export { alibiSlopes } from './maths/alibi.js';
export {
  type ArgmaxKey,
  argmax,
  argmaxKey,
  argmaxKeyGreater,
  argmaxKeyToken,
  orderedBits,
} from './maths/argmax.js';
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
} from './maths/attention.js';
export { type CandidateKey, largestKeys } from './maths/candidate-keys.js';
export { type CausalAttentionArgs, causalAttention } from './maths/causal-attention.js';
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
} from './maths/dtype-convert.js';
export { add, mul, mulAdd, residualAdd, scale } from './maths/elementwise.js';
export { type EmbeddingArgs, embeddingGather } from './maths/embedding.js';
export { erf, erfc } from './maths/erf.js';
export { layerNorm } from './maths/layer-norm.js';
export { type MatvecTile, matmul, matvec, matvecTile, rowDot } from './maths/matvec.js';
export { createRng, type Rng, uniformFromWords, xoshiro128StarStar } from './maths/prng.js';
export { rmsNorm } from './maths/rms-norm.js';
export {
  applyRope,
  type RopeAngles,
  ropeAngles,
  ropeAnglesAt,
  ropeFrequencies,
  ropeInterleavePermutation,
} from './maths/rope.js';
export {
  drawIndex,
  nucleusProbabilities,
  type SamplingOptions,
  sampleToken,
  samplingDistribution,
} from './maths/sampling.js';
export { logSumExp, softmax } from './maths/softmax.js';
// Test support: random-weight checkpoints of any config.
export { type RandomCheckpointOptions, randomCheckpoint } from './testing/random-checkpoint.js';
export type { RecordedAccess } from './vm/context.js';
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
export type { AccessEvent } from './vm/queue-runner.js';
export {
  type RunGreedyOptions,
  type RunProgramOptions,
  runGreedy,
  runPrefill,
  runProgram,
  runSampled,
  type StateSnapshot,
  traceProgram,
} from './vm/run-program.js';
export { VmDecoder } from './vm/vm-session.js';

export const PACKAGE_NAME = '@megakernel/reference-cpu';
