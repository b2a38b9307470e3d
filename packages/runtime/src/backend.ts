/**
 * The one small interface every backend implements. The engine only ever feeds tokens and reads
 * logits, so the CPU VM, the direct forward pass and the GPU are interchangeable behind it.
 */

export type BackendName = 'cpu' | 'cuda' | 'reference';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'cuda', 'reference'];

/** One decode stream with its KV cache. */
export interface DecodeSession {
  /** Tokens consumed so far: the position the next token takes. */
  readonly position: number;
  /** KV-cache capacity in tokens. */
  readonly maxSeqLen: number;
  /** Feeds one token at `position` and returns the logits [vocab] that predict the next one. */
  step(token: number): Float32Array | Promise<Float32Array>;
  /** Forgets every token (position 0); the weights stay loaded. */
  reset(): void;
  /** Releases buffers (GPU memory, file handles). */
  close(): void;
}

/** What loading reports while it works (weights read, instructions scheduled). */
export interface ProgressEvent {
  readonly phase: 'weights' | 'compile' | 'upload';
  readonly done: number;
  readonly total: number;
}

export type ProgressListener = (event: ProgressEvent) => void;
