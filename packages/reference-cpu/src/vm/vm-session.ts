/**
 * An incremental decode session over a program on the CPU VM: the runtime feeds one token per step
 * (prefill is token by token) and gets that position's logits, with the KV cache kept in VM memory.
 */
import type { Program } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { VmProgramError } from './errors.js';
import { ProgramRun, type RunProgramOptions } from './run-program.js';

export interface VmSession {
  /** Position the next `step` decodes (= tokens fed so far). */
  readonly position: number;
  /** Feeds `token` at the current position; returns a copy of the logits for the next token. */
  step(token: number): Float32Array;
  /** Forgets every token (fresh KV cache and counters; the weights stay loaded). */
  reset(): void;
}

export function createVmSession(
  program: Program,
  checkpoint: Checkpoint,
  opts: RunProgramOptions = {},
): VmSession {
  const run = new ProgramRun(program, checkpoint, opts);
  let position = 0;
  const start = () => {
    run.tokens.fill(-1);
    position = 0;
  };
  start();
  return {
    get position() {
      return position;
    },
    step(token: number): Float32Array {
      if (position >= program.maxSeqLen)
        throw new VmProgramError(`position ${position} is past the program's maxSeqLen ${program.maxSeqLen}`);
      if (!Number.isInteger(token) || token < 0 || token >= program.config.vocabSize)
        throw new VmProgramError(`token ${token} is outside the vocabulary [0, ${program.config.vocabSize})`);
      run.tokens[position] = token;
      run.runStep(position);
      position++;
      return Float32Array.from(run.logits);
    },
    reset(): void {
      run.reset();
      start();
    },
  };
}
