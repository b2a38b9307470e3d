/** One line that says what a program is: model, queues, instructions, arenas. */
import { INSTRUCTION_BYTES, type Program } from '@megakernel/runtime';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 0)} MB`;

export function instructionCount(program: Program): number {
  return program.queues.reduce((n, q) => n + q.byteLength / INSTRUCTION_BYTES, 0);
}

export function summarizeProgram(program: Program): string {
  const c = program.config;
  return (
    `${c.architecture}, ${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize}; ` +
    `${instructionCount(program)} instructions on ${program.queues.length} queues, ` +
    `${program.counterCount} counters, max ${program.maxSeqLen} tokens, ` +
    `weights ${mb(program.weightBytes)}, state ${mb(program.stateBytes)}`
  );
}
