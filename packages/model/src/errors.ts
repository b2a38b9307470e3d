/**
 * Named errors of @megakernel/model. Each carries the facts a caller needs to act on it (file, field,
 * tensor, role) as properties, so code can branch on `instanceof` and humans get a full sentence.
 */

/** Base class: every error this package throws on bad input is a ModelError. */
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    // Subclasses inherit this: `error.name` is the concrete class name in stack traces and logs.
    this.name = new.target.name;
  }
}

/** What is wrong with a safetensors file (or a sharded index); one code per check. */
export type SafetensorsProblem =
  | 'truncated'
  | 'header-length'
  | 'header-json'
  | 'metadata'
  | 'unsupported-dtype'
  | 'shape'
  | 'offsets-out-of-range'
  | 'offsets-overlap'
  | 'offsets-gap'
  | 'trailing-bytes'
  | 'size-mismatch'
  | 'not-a-file'
  | 'index';

/** A safetensors file (or model.safetensors.index.json) that does not follow the format. */
export class SafetensorsFormatError extends ModelError {
  constructor(
    readonly file: string,
    readonly problem: SafetensorsProblem,
    detail: string,
    readonly tensor?: string,
  ) {
    super(`${file}: ${tensor === undefined ? '' : `tensor '${tensor}': `}${detail} [${problem}]`);
  }
}

/** A checkpoint folder that is missing, or lacks config.json or weights. */
export class CheckpointFolderError extends ModelError {
  constructor(
    readonly dir: string,
    readonly missing: 'folder' | 'config.json' | 'safetensors',
    detail: string,
  ) {
    super(`${dir}: ${detail}`);
  }
}

/** config.json (or another JSON file of the checkpoint) that is not valid for its family. */
export class ConfigError extends ModelError {
  constructor(
    readonly file: string,
    /** Dotted path of the offending field, '' for the file as a whole. */
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: ${field === '' ? '' : `field '${field}': `}${detail}`);
  }
}

/** A model family this package cannot map to a RuntimeModelConfig. */
export class UnsupportedArchitectureError extends ModelError {
  constructor(
    readonly file: string,
    readonly architecture: string,
    readonly supported: readonly string[],
  ) {
    super(`${file}: unsupported architecture '${architecture}'; supported: ${supported.join(', ')}`);
  }
}

/** A tensor the config says must exist (or a name asked for) that the checkpoint does not hold. */
export class MissingTensorError extends ModelError {
  constructor(
    readonly tensor: string,
    /** The role that needed it, when a role lookup failed. */
    readonly role: string | undefined,
    /** The file (or folder) that was searched. */
    readonly file: string,
  ) {
    super(`${file}: missing tensor '${tensor}'${role === undefined ? '' : ` (role '${role}')`}`);
  }
}

/** A tensor whose shape differs from what the config implies. */
export class TensorShapeError extends ModelError {
  constructor(
    readonly tensor: string,
    readonly expected: readonly number[],
    readonly actual: readonly number[],
    readonly file: string,
    readonly role?: string,
  ) {
    super(
      `${file}: tensor '${tensor}'${role === undefined ? '' : ` (role '${role}')`} has shape ` +
        `[${actual.join(', ')}], expected [${expected.join(', ')}]`,
    );
  }
}

/** A role that the model's family or config does not have (hasWeight() is false for it). */
export class UnavailableRoleError extends ModelError {
  constructor(
    readonly role: string,
    readonly layer: number | undefined,
    readonly architecture: string,
  ) {
    super(
      `${architecture} checkpoint has no weight for role '${role}'` +
        `${layer === undefined ? '' : ` in layer ${layer}`} (check hasWeight() first)`,
    );
  }
}

/** A WeightSource that cannot be evaluated against the checkpoint (bad rows, ranks or head layout). */
export class WeightSourceError extends ModelError {}

/** A tokenizer folder without anything usable, or ids outside the vocabulary. */
export class TokenizerError extends ModelError {}

/**
 * A weight tensor holding NaN or ±Inf: found by the scan at load (`checkWeights`, on by default), which
 * would otherwise turn into NaN logits or a greedy argmax that always picks the same token.
 */
export class NonFiniteWeightError extends ModelError {
  constructor(
    readonly tensor: string,
    /** Flat (row-major) index of the first non-finite element. */
    readonly index: number,
    /** That element's position in the tensor's shape. */
    readonly position: readonly number[],
    readonly value: 'NaN' | 'Inf' | '-Inf',
    readonly file: string,
    readonly role?: string,
  ) {
    super(
      `${file}: tensor '${tensor}'${role === undefined ? '' : ` (role '${role}')`} holds ${value} at ` +
        `element ${index} (index [${position.join(', ')}]); the checkpoint is corrupt ` +
        '(re-download or re-export it), or load it anyway with checkWeights: false (CLI: --no-check-weights)',
    );
  }
}
