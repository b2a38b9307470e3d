/**
 * NOOP and BARRIER (CUDA twin: `cuda-hopper/csrc/ops/noop.cuh`): nothing but the instruction's waits
 * and signal, which the queue runner does around every executor.
 */
import type { ExecContext } from '../vm/context.js';

export function executeNoop(_ctx: ExecContext): void {}
