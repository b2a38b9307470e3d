/** @megakernel/model: Hugging Face checkpoints (config.json, safetensors, tokenizer) for megakernel. */
export const PACKAGE_NAME = '@megakernel/model';

export { ByteTokenizer } from './byte-tokenizer.js';
export {
  CONFIG_FILE,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  type RoleRef,
} from './checkpoint.js';
export type {
  Checkpoint,
  LayerWeightRole,
  ModelWeightRole,
  TensorInfo,
  WeightRole,
} from './checkpoint-types.js';
export {
  DTYPE_SIZE,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  firstNonFinite,
  SAFETENSORS_DTYPES,
  type SafetensorsDtype,
} from './dtype.js';
export {
  CheckpointFolderError,
  ConfigError,
  MissingTensorError,
  ModelError,
  NonFiniteWeightError,
  SafetensorsFormatError,
  type SafetensorsProblem,
  TensorShapeError,
  TokenizerError,
  UnavailableRoleError,
  UnsupportedArchitectureError,
  WeightSourceError,
} from './errors.js';
export { detectArchitecture, parseHfConfig, readHfConfig } from './hf-config.js';
export { IdTokenizer } from './id-tokenizer.js';
export { MAX_HEADER_BYTES } from './safetensors-header.js';
export {
  SAFETENSORS_INDEX_FILE,
  ShardedSafetensors,
  type WriteShardedOptions,
  writeShardedSafetensors,
} from './safetensors-index.js';
export { openSafetensors, SafetensorsFile, type TypedTensorData } from './safetensors-reader.js';
export {
  type WritableTensor,
  type WritableTensors,
  type WriteSafetensorsOptions,
  writeSafetensors,
} from './safetensors-writer.js';
export { openTensorStore, SAFETENSORS_FILE, type TensorStore } from './tensor-store.js';
export {
  type DecodeOptions,
  type EncodeOptions,
  type LoadTokenizerOptions,
  loadTokenizer,
  type SpecialToken,
  type SpecialTokens,
  type StreamDecoder,
  type TextTokenizer,
} from './tokenizer.js';
export { isLayerRole, LAYER_WEIGHT_ROLES, MODEL_WEIGHT_ROLES } from './weight-roles.js';
export { materializeWeightSource, type TensorReader, weightSourceShape } from './weight-source.js';
