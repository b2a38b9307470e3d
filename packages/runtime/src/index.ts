/**
 * @megakernel/runtime: the library entry. Load a checkpoint, pick a backend, generate; plus the
 * toolchain pieces the `megakernel` command needs, re-exported so that it depends on this package only.
 */
export const PACKAGE_NAME = '@megakernel/runtime';

// DEFAULT_QUEUES: the queue count of a program compiled with no GPU to ask (132: an H100 SXM's or
// H200's SMs). addonBuildScript: in the cuda-hopper this runtime loads, so that `megakernel build-addon`
// builds into that very copy.
export { addonBuildScript, DEFAULT_QUEUES } from '@megakernel/cuda-hopper';
// The toolchain below, for the CLI and for scripts.
export { DEFAULT_MODEL_DESCRIPTION, defaultModelDir } from '@megakernel/default-model';
export {
  INSTRUCTION_BYTES,
  NONE16,
  OPCODES,
  opcodeByName,
  opcodeInfo,
  PRESET_NAMES,
  type Program,
  ProgramFormatError,
  preset,
  printProgram,
  type RuntimeModelConfig,
} from '@megakernel/isa';
export {
  CheckpointFolderError,
  ConfigError,
  type LoadedCheckpoint,
  loadCheckpoint,
  loadTokenizer,
  MissingTensorError,
  ModelError,
  NonFiniteWeightError,
  openSafetensors,
  SafetensorsFormatError,
  TensorShapeError,
  TokenizerError,
  UnsupportedArchitectureError,
} from '@megakernel/model';
export { forward, runProgram } from '@megakernel/reference-cpu';
export {
  CompileError,
  type CompileOptions,
  compile,
  estimateCosts,
  formatScheduleReport,
  renderScheduleSvg,
  type ScheduleEstimate,
  type ScheduleReport,
  scheduleReport,
  verifyProgram,
} from '@megakernel/scheduler';
// Backends.
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
  type DecodeSession,
  type ProgressEvent,
  type ProgressListener,
} from './backend.js';
export { compileForCpu } from './backends/cpu-vm.js';
export {
  type CudaProbe,
  compileCudaPrefill,
  compileCudaVariants,
  compileForCuda,
  probeCuda,
} from './backends/cuda.js';
export { type OpenBackendOptions, type OpenedBackend, openBackend } from './backends/open.js';
// Checking and measuring.
export { BENCH_SAMPLING, benchDecode, benchDeviceDecode, type DecodeBenchResult } from './bench.js';
export type { ChatMessage, ChatTemplateOptions } from './chat-template.js';
export { compareLogits, type LogitComparison } from './compare-logits.js';
export { compileWithProgress } from './compile-with-progress.js';
export { type Diagnosis, diagnose } from './diagnose.js';
// Generation.
export {
  createEngine,
  DEFAULT_MAX_SEQ_LEN,
  Engine,
  type EngineOptions,
  type GenerateInput,
} from './engine.js';
export {
  BackendUnavailableError,
  ChatTemplateError,
  ContextLengthError,
  OptionError,
  PromptError,
  RuntimeError,
} from './errors.js';
export { DEFAULT_MAX_TOKENS, type GenerateOptions } from './generate-options.js';
export type { FinishReason, GeneratedToken, Generation, GenerationStats } from './generation.js';
export { measureSchedule } from './measure-schedule.js';
export { DEFAULT_MODEL, type LoadedModel, loadModel, resolveModelDir } from './model-source.js';
export { readProgramFile, writeProgramFile } from './program-file.js';
export {
  type CheckProgramOptions,
  checkProgram,
  loadProgramBytes,
  loadProgramFile,
  ProgramFileError,
  ProgramLimitError,
  type ProgramLimits,
  ProgramModelMismatchError,
  ProgramValidationError,
  ProgramVerifyError,
  programLimits,
} from './program-load.js';
export { REFERENCE_FILE, type ReferenceOutputs, readReferenceOutputs } from './reference-outputs.js';
export { defaultTolerance, type NumericsReport, verifyNumerics } from './verify-numerics.js';
