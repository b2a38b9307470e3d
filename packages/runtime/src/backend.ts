/**
 * The one small interface every backend implements. The engine only ever feeds tokens and reads
 * logits, so the CPU VM, the direct forward pass and the GPU are interchangeable behind it; the GPU
 * can also draw many tokens per launch itself (sampleOnDevice).
 */
import type { DeviceSampling } from '@megakernel/isa';

export type BackendName = 'cpu' | 'cuda' | 'reference';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'cpu', 'cuda', 'reference'];

/**
 * A decode session: one decode stream over one loaded model, with its KV cache. This is the only
 * thing "session" names in megakernel. Each backend's class implements it directly: reference-cpu's
 * `VmDecoder` ('cpu'), cuda-hopper's `CudaDecoder` ('cuda'), reference-cpu's `ForwardDecoder`
 * ('reference').
 */
export interface DecodeSession {
  /** Tokens consumed so far: the position the next token takes. */
  readonly position: number;
  /** KV-cache capacity in tokens. */
  readonly maxSeqLen: number;
  /** Feeds one token at `position` and returns the logits [vocab] that predict the next one. */
  step(token: number): Float32Array | Promise<Float32Array>;
  /**
   * Feeds `tokens` from `position` and returns the logits that predict the token after the last: in
   * prefill steps of several tokens where the backend has a prefill program (the CPU VM; issue 10),
   * else absent and the prompt goes through `step` token by token.
   */
  prefill?(tokens: readonly number[]): Float32Array | Promise<Float32Array>;
  /**
   * Backends with a device sampler (the GPU): feeds `tokens` from `position`, then draws `count` tokens
   * on the device, each fed back as the next input (the last one is not fed), with the host sampler's
   * semantics; `draws` gives one pair of uniform words per drawn token. Absent elsewhere.
   */
  sampleOnDevice?(
    tokens: readonly number[],
    count: number,
    sampling: DeviceSampling,
    draws: { nextUniformWords(): [number, number] },
  ): number[] | Promise<number[]>;
  /** Whether sampleOnDevice serves these settings (top-k within the device sampler's reach, or greedy). */
  servesOnDevice?(sampling: DeviceSampling): boolean;
  /**
   * Forgets every token (position 0); the weights stay loaded. `promptLength`: the length of the prompt
   * the next sequence starts with, when known. It matters to LongRoPE models only, whose rotation depends
   * on whether the prompt exceeds the original context, as it does in transformers (default 0).
   */
  reset(promptLength?: number): void;
  /**
   * Releases what the session holds (device memory and the native device handle, the KV cache, its
   * weights). Idempotent; step() and reset() then throw a named error (cuda-hopper's
   * CudaClosedError, reference-cpu's DecoderClosedError).
   */
  close(): void;
}

/** What loading reports while it works (weights read, instructions scheduled). */
export interface ProgressEvent {
  readonly phase: 'weights' | 'compile' | 'upload';
  readonly done: number;
  readonly total: number;
}

export type ProgressListener = (event: ProgressEvent) => void;
