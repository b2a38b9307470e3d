/**
 * verifyProgram: proves a program free of deadlock (two-step simulation), of data races (the
 * happens-before of program order and exact counter waits orders every conflicting access of a
 * step, and steps cannot overlap), of split-K partners that add a K column twice or never
 * (split-k-coverage.ts), and of state reads that neither an init nor an earlier write covers
 * (uninitialised-reads.ts). Returns every violation found, first the most fundamental.
 */
import { NONE16, opcodeInfo, type Program, TENSOR_SLOT_FIELDS, tokensPerStep } from '@megakernel/isa';
import { waitsOf } from '../dependency-graph.js';
import { viewProgram } from '../program-view.js';
import {
  type Access,
  AccessBoundsError,
  conflictingAccesses,
  instructionAccesses,
  weightWrites,
} from './accesses.js';
import { findDeadlock } from './deadlock.js';
import { happensBefore } from './happens-before.js';
import { findLoaderReadsUnordered } from './loader-reads.js';
import { findRaces } from './races.js';
import { findSelfAliasing } from './self-aliasing.js';
import { findSplitKCoverage } from './split-k-coverage.js';
import { findStepCoverageGaps } from './step-coverage.js';
import { findStepOverlap } from './steps.js';
import { findTileMismatches } from './tile-operands.js';
import { findUninitialisedReads } from './uninitialised-reads.js';
import type { VerifyResult, Violation } from './violations.js';
import { findWeightCoverage } from './weight-coverage.js';

export interface VerifyOptions {
  /** Stop after this many violations (default 20). */
  readonly maxViolations?: number;
}

export function verifyProgram(program: Program, options: VerifyOptions = {}): VerifyResult {
  const max = options.maxViolations ?? 20;
  const view = viewProgram(program);
  const violations: Violation[] = [];
  const done = (): VerifyResult => ({ ok: violations.length === 0, violations: violations.slice(0, max) });

  // Structure: executable opcodes, known counters and tensors.
  // The residual stream: the tensor of the first operand the descriptors mark `residual`.
  let residualStream: { id: number; name: string } | undefined;
  for (const inst of view.flat) {
    const op = opcodeInfo(inst.opcode)?.tensors.find((t) => t.binds === 'residual');
    const id = op ? inst[op.slot] : NONE16;
    if (id !== NONE16 && id < program.tensors.length) {
      residualStream = { id, name: program.tensors[id]!.name };
      break;
    }
  }
  view.flat.forEach((inst, i) => {
    const at = { queue: view.queueOf[i]!, index: view.indexOf[i]! };
    const bad = (message: string, counter?: number): void => {
      violations.push({ kind: 'structure', ...at, ...(counter !== undefined ? { counter } : {}), message });
    };
    if (opcodeInfo(inst.opcode)?.status !== 'executable')
      bad(`opcode 0x${inst.opcode.toString(16)} is not executable`);
    for (const w of waitsOf(inst))
      if (w.counter >= program.counterCount)
        bad(`waits on counter ${w.counter} of ${program.counterCount}`, w.counter);
    if (inst.signalCounter !== NONE16 && inst.signalCounter >= program.counterCount) {
      bad(`signals counter ${inst.signalCounter} of ${program.counterCount}`, inst.signalCounter);
    }
    for (const s of TENSOR_SLOT_FIELDS) {
      if (inst[s] === NONE16) continue;
      if (inst[s] >= program.tensors.length) {
        bad(`${s} names tensor ${inst[s]} of ${program.tensors.length}`);
        continue;
      }
      // A per-layer tensor belongs to its layer's instructions only (another layer's norm weights or
      // KV cache is a well-formed operand that computes the wrong thing; so is a layer's weight as
      // the embedding table of the layer-less embedding).
      const t = program.tensors[inst[s]]!;
      if (t.layer !== undefined && t.layer !== inst.layer) {
        const where =
          inst.layer === NONE16 ? 'an instruction of no layer' : `an instruction of layer ${inst.layer}`;
        bad(`${s} names ${t.name}, a tensor of layer ${t.layer}, in ${where}`);
      }
    }
    // Operand bindings the descriptors declare: weights only where a parameter is read, and one
    // residual stream (a swapped, same-shaped activation otherwise runs to wrong logits).
    const info = opcodeInfo(inst.opcode);
    const streamed = new Set<number>();
    for (const op of info?.tensors ?? []) {
      const id = inst[op.slot];
      if (id === NONE16 || id >= program.tensors.length) continue;
      const t = program.tensors[id]!;
      // Two streamed weights of one op are two matrices (Wgate = Wup computes act(up)·up).
      if (op.role === 'stream') {
        if (streamed.has(id))
          bad(`${info!.name}.${op.name} names ${t.name}, which another of its weights also names`);
        streamed.add(id);
      }
      if (t.region === 'weights' && op.role !== 'stream' && op.binds !== 'param')
        bad(`${info!.name}.${op.name} names ${t.name}, a weights tensor, where the op reads state`);
      if (op.binds === 'residual' && residualStream !== undefined && id !== residualStream.id)
        bad(`${info!.name}.${op.name} names ${t.name}, but the residual stream is ${residualStream.name}`);
      // Only the operands that add into the residual stream (or start it) may write it.
      if (op.role !== 'read' && op.binds !== 'residual' && id === residualStream?.id)
        bad(
          `${info!.name}.${op.name} writes the residual stream ${t.name}, which only residual operands may`,
        );
    }
  });
  violations.push(...findTileMismatches(view, program.config.tieWordEmbeddings));
  if (violations.length > 0) return done();

  // Bounds: every operand range lies inside its tensor. Accesses at an abstract position (see accesses.ts).
  // The step's first position; a prefill step's tokens take the positions after it.
  const pos = Math.max(0, Math.min(1, program.maxSeqLen - tokensPerStep(program)));
  const accesses: Access[][] = view.flat.map((inst, i) => {
    try {
      return instructionAccesses(inst, program.tensors, { pos, kvRows: 'current', skipWeights: true });
    } catch (e) {
      if (!(e instanceof AccessBoundsError)) throw e;
      violations.push({
        kind: 'bounds',
        queue: view.queueOf[i]!,
        index: view.indexOf[i]!,
        message: e.message,
      });
      return [];
    }
  });
  for (const i of weightWrites(accesses, program.tensors)) {
    violations.push({
      kind: 'bounds',
      queue: view.queueOf[i]!,
      index: view.indexOf[i]!,
      message: 'writes a weights-region tensor',
    });
  }
  if (violations.length > 0) return done();

  const deadlock = findDeadlock(view, program.counterCount);
  if (deadlock) {
    violations.push(deadlock);
    return done();
  }
  const hb = happensBefore(view, program.counterCount);
  if (hb === undefined) {
    violations.push({ kind: 'deadlock', queue: 0, index: 0, message: 'the exact waits form a cycle' });
    return done();
  }
  violations.push(...findStepOverlap(view, hb, max));
  violations.push(...findSplitKCoverage(view, program.tensors, max - violations.length));
  violations.push(...findUninitialisedReads(view, program.tensors, accesses, hb, max - violations.length));
  violations.push(...findStepCoverageGaps(view, program.tensors, accesses, max - violations.length));
  violations.push(...findSelfAliasing(view, program.tensors, accesses, max - violations.length));
  violations.push(...findWeightCoverage(view, program.tensors, pos, max - violations.length));
  violations.push(
    ...findRaces(view, program.tensors, conflictingAccesses(accesses), hb, max - violations.length),
  );
  violations.push(...findLoaderReadsUnordered(view, accesses, hb, max - violations.length));
  return done();
}
