/** @megakernel/scheduler: compiles transformer checkpoints into per-SM megakernel instruction queues. */

export {
  AssignmentError,
  type AssignOptions,
  assignToQueues,
  type QueueAssignment,
} from './assign-queues.js';
export {
  type AttentionBand,
  type AttentionVariant,
  compileAttentionVariants,
  planAttentionBands,
} from './attention-variants.js';
export { compile, SCHEDULER_NAME } from './compile.js';
export {
  type CostModelParams,
  costModelFor,
  H100_COST_MODEL,
  type InstructionCost,
  instructionCost,
} from './cost-model.js';
export {
  EstimateError,
  type EstimateOptions,
  estimateCosts,
  type InstructionEstimate,
  type ScheduleEstimate,
} from './estimate.js';
export { needsOpChain, OP_CHAIN_MAX_K } from './op-chain.js';
export {
  CompileError,
  type CompileErrorCode,
  type CompileOptions,
  MATVEC_KINDS,
  type MatvecKind,
  NO_SUPPRESSED_TOKEN,
  type PerMatvec,
} from './options.js';
export {
  type ByteCount,
  type MemoryPlan,
  MemoryPlanError,
  type MemoryReport,
  planMemory,
  TENSOR_ALIGNMENT,
  type TensorCategory,
  type TensorSpec,
} from './plan-memory.js';
export {
  type PrefillOnDecodeState,
  placePrefillOnDecodeState,
  placePrefillOnVariants,
} from './prefill-state.js';
export {
  PRESET_REPORT_PATH,
  type PresetReport,
  presetReports,
  REPORT_MAX_SEQ_LEN,
  REPORT_PRESETS,
  REPORT_QUEUES,
  renderPresetReport,
} from './preset-report.js';
export { formatScheduleReport, type RoleSummary, type ScheduleReport, scheduleReport } from './report.js';
export { instructionRole, ROLES, type Role } from './roles.js';
export { renderScheduleSvg, type SvgOptions } from './svg.js';
export { type TensorClass, tensorClass } from './tensor-names.js';
export { expectedTokenTraffic, type TokenTraffic } from './traffic.js';
export {
  type Access,
  AccessBoundsError,
  type AccessContext,
  type AccessKind,
  attentionChunkRows,
  instructionAccesses,
} from './verify/accesses.js';
export { type VerifyOptions, verifyProgram } from './verify/verify-program.js';
export type { InstructionRef, VerifyResult, Violation, ViolationKind } from './verify/violations.js';
