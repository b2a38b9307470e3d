/**
 * Named errors of the ISA package. Callers (CLI, loaders, VMs) distinguish a bad file from a bug
 * by class and `code`, never by message text.
 */

/** A value does not fit the instruction field (or container field) it is being encoded into. */
export class FieldRangeError extends Error {
  override readonly name = 'FieldRangeError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`field ${field}: ${String(value)} is not ${expected}`);
  }
}

export type ProgramFormatErrorCode =
  | 'bad-magic'
  | 'truncated'
  | 'bad-header'
  | 'unsupported-version'
  | 'bad-queue-length'
  | 'bad-tensor-table';

/** A program container (binary or text) that cannot be read: truncated, corrupted or from a newer version. */
export class ProgramFormatError extends Error {
  override readonly name = 'ProgramFormatError';
  constructor(
    readonly code: ProgramFormatErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

/** A line of the text form that does not parse; `line` is 1-based (0 when parsing a lone instruction). */
export class AsmSyntaxError extends Error {
  override readonly name = 'AsmSyntaxError';
  constructor(
    readonly line: number,
    readonly detail: string,
  ) {
    super(line > 0 ? `line ${line}: ${detail}` : detail);
  }
}
