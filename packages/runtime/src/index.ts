/**
 * @megakernel/runtime: the library entry. Load a checkpoint, pick a backend, generate; plus the
 * toolchain pieces the `megakernel` command needs, re-exported so that it depends on this package only.
 */
export const PACKAGE_NAME = '@megakernel/runtime';

// Generation.
export {
  createEngine,
  DEFAULT_MAX_SEQ_LEN,
  Engine,
  type EngineOptions,
  type GenerateInput,
} from './engine.js';
export { DEFAULT_MAX_TOKENS, type GenerateOptions } from './generate-options.js';
export type { FinishReason, GeneratedToken, Generation, GenerationStats } from './generation.js';
export type { ChatMessage, ChatTemplateOptions } from './chat-template.js';
export { DEFAULT_MODEL, type LoadedModel, loadModel, resolveModelDir } from './model-source.js';
export {
  BackendUnavailableError,
  ChatTemplateError,
  ContextLengthError,
  OptionError,
  PromptError,
  RuntimeError,
} from './errors.js';

// Backends.
export {
  BACKEND_CHOICES,
  type BackendChoice,
  type BackendName,
  type DecodeSession,
  type ProgressEvent,
  type ProgressListener,
} from './backend.js';
export { type OpenBackendOptions, type OpenedBackend, openBackend } from './backends/open.js';
export { CPU_DEFAULT_QUEUES, compileForCpu } from './backends/cpu-vm.js';
export { compileForCuda, type CudaProbe, probeCuda } from './backends/cuda.js';
export { measureSchedule } from './measure-schedule.js';
export { type Diagnosis, diagnose } from './diagnose.js';

// Checking and measuring.
export { benchDecode, type DecodeBenchResult } from './bench.js';
export { compareLogits, type LogitComparison } from './compare-logits.js';
export { readReferenceOutputs, REFERENCE_FILE, type ReferenceOutputs } from './reference-outputs.js';
export { defaultTolerance, type NumericsReport, verifyNumerics } from './verify-numerics.js';
export { readProgramFile, writeProgramFile } from './program-file.js';

// The toolchain below, for the CLI and for scripts.
export { defaultModelDir, DEFAULT_MODEL_DESCRIPTION } from '@megakernel/default-model';
export {
  INSTRUCTION_BYTES,
  NONE16,
  opcodeByName,
  OPCODES,
  opcodeInfo,
  PRESET_NAMES,
  preset,
  printProgram,
  ProgramFormatError,
  type Program,
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
  openSafetensors,
  SafetensorsFormatError,
  TensorShapeError,
  TokenizerError,
  UnsupportedArchitectureError,
} from '@megakernel/model';
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
export { forward, runProgram } from '@megakernel/reference-cpu';
