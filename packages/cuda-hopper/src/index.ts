/** @megakernel/cuda-hopper: the persistent Hopper megakernel, its Node-API addon and the GPU backend. */
export const PACKAGE_NAME = '@megakernel/cuda-hopper';

export {
  type AddonLoad,
  addonBuildScript,
  addonCandidates,
  type CudaProbe,
  type DeviceInfo,
  type KernelStatus,
  loadAddon,
  probeCuda,
} from './addon.js';
export { ADDON_ABI_VERSION, PACKAGE_VERSION } from './addon-identity.js';
export {
  type GreedyCudaOptions,
  greedyCuda,
  type RunProgramCudaOptions,
  runProgramCuda,
  withSuppressToken,
} from './backend.js';
export { checkGpuSupport, gpuSupportProblems, KERNEL_LIMITS } from './capabilities.js';
export { decodeValues, encodeValues, f32ToBf16Array } from './convert.js';
export { CudaDecoder, type CudaDecoderOptions, type ProgramVariant } from './decoder.js';
export { CudaDevice, DEFAULT_QUEUES, sharedDevice } from './device.js';
export {
  CudaProgram,
  type CudaProgramOptions,
  drawWords,
  type RunInfo,
  type RunOptions,
  type UniformDraws,
  type UploadProgress,
} from './device-program.js';
export {
  CudaClosedError,
  CudaKernelError,
  CudaUnavailableError,
  STATUS_NAMES,
  UnsupportedProgramError,
} from './errors.js';
export {
  type InstructionTiming,
  type OpcodeTimingSummary,
  parseTimings,
  phaseTimeline,
  summariseTimings,
} from './timings.js';
export { perTokenTraffic, type TokenTraffic } from './traffic.js';
