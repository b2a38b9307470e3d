/**
 * The 'reference' backend: reference-cpu's direct forward pass with a KV cache, no compiled program.
 * It is the oracle the program backends are checked against, and the baseline `bench` compares with.
 */
import type { Checkpoint } from '@megakernel/model';
import {
  type DecoderWeights,
  DecodeSession as ForwardSession,
  loadDecoderWeights,
} from '@megakernel/reference-cpu';
import type { DecodeSession } from '../backend.js';

export function createReferenceSession(checkpoint: Checkpoint, maxSeqLen: number): DecodeSession {
  const weights: DecoderWeights = loadDecoderWeights(checkpoint);
  // The forward session has no reset: a fresh one over the same weights costs only its KV cache.
  let session = new ForwardSession(weights, { maxSeqLen });
  return {
    get position() {
      return session.position;
    },
    maxSeqLen,
    step: (token) => session.step(token),
    reset: () => {
      if (session.position > 0) session = new ForwardSession(weights, { maxSeqLen });
    },
    close: () => {},
  };
}
