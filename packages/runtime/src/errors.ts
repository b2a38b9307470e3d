/**
 * Named errors of @megakernel/runtime. Each message is one sentence that says what is wrong; the
 * facts behind it are properties, so callers (the CLI) can branch on `instanceof` and add advice.
 */

/** Base class of every error the runtime throws on bad input or an unusable machine. */
export class RuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The prompt plus the tokens asked for do not fit the engine's context (its KV cache). */
export class ContextLengthError extends RuntimeError {
  constructor(
    readonly promptTokens: number,
    readonly maxTokens: number,
    readonly maxSeqLen: number,
  ) {
    super(
      `prompt of ${promptTokens} tokens + ${maxTokens} new tokens exceeds the context of ${maxSeqLen} tokens`,
    );
  }
}

/** A prompt the model cannot take: empty, or ids outside its vocabulary. */
export class PromptError extends RuntimeError {}

/** A generate/engine option out of range (maxTokens 0, topP 2, maxSeqLen past the model's positions). */
export class OptionError extends RuntimeError {}

/** The backend asked for cannot run here; `reason` says why (no GPU, no addon, not yet implemented). */
export class BackendUnavailableError extends RuntimeError {
  constructor(
    readonly backend: string,
    readonly reason: string,
    /** What the user can do instead, when it is not "another backend" (e.g. drop --measured). */
    readonly alternative?: string,
  ) {
    super(`backend '${backend}' is not available: ${reason}`);
  }
}

/** Chat input for a model whose tokenizer has no chat template, or a template that fails to render. */
export class ChatTemplateError extends RuntimeError {}
