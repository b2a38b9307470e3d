/**
 * The 'reference' backend: reference-cpu's direct forward pass with a KV cache, no compiled program.
 * It is the oracle the program backends are checked against, and the baseline `bench` compares with.
 */
import type { Checkpoint } from '@megakernel/model';
import { ForwardDecoder } from '@megakernel/reference-cpu';
import type { DecodeSession } from '../backend.js';

export function createReferenceSession(checkpoint: Checkpoint, maxSeqLen: number): DecodeSession {
  return new ForwardDecoder(checkpoint, { maxSeqLen });
}
