/**
 * compile: model (checkpoint or bare config) → Program. Tensors and memory plan, tiling from the
 * cost model, lowering to an op graph, counters from tile overlap, queue assignment, redundant-wait
 * elision, encoding; then the program is verified (deadlock- and race-free) before it is returned.
 */
import { encodeQueue, PROGRAM_FORMAT_VERSION, type Program, type RuntimeModelConfig } from '@megakernel/isa';
import type { Checkpoint } from '@megakernel/model';
import { assignToQueues } from './assign-queues.js';
import { instructionCost } from './cost-model.js';
import { deriveCounters } from './counters.js';
import { elideRedundantWaits } from './elide-waits.js';
import { lowerFused } from './lower.js';
import { lowerPrefill } from './lower-prefill.js';
import { lowerUnfused } from './lower-unfused.js';
import { needsOpChain } from './op-chain.js';
import { CompileError, type CompileOptions, resolveOptions } from './options.js';
import { planMemory } from './plan-memory.js';
import { programTensors } from './program-tensors.js';
import { chooseTiling } from './tiling.js';
import { verifyProgram } from './verify/verify-program.js';
import { checkpointWeights, isCheckpoint, syntheticWeights } from './weight-provider.js';

export const SCHEDULER_NAME = '@megakernel/scheduler';

export function compile(model: Checkpoint | RuntimeModelConfig, options: CompileOptions): Program {
  const checkpoint = isCheckpoint(model) ? model : undefined;
  const config = checkpoint?.config ?? (model as RuntimeModelConfig);
  const o = resolveOptions(config, prefillOptions(options));
  const tokens = o.prefillTokens;
  if (!o.fused && o.splitK !== 'auto' && o.splitK !== 1)
    throw new CompileError('bad-option', 'split-K needs fused mode');
  const tiling = chooseTiling(config, o);
  if (o.deviceSampler && (tokens !== undefined || !o.fused || needsOpChain(config)))
    throw new CompileError(
      'bad-option',
      'deviceSampler needs a decode program of the fused lowering (not prefill, unfused or a post-norm model)',
    );
  if (o.attentionScratchChunks !== undefined && o.attentionScratchChunks < tiling.attentionChunks)
    throw new CompileError(
      'bad-option',
      `attentionScratchChunks = ${o.attentionScratchChunks} is below the ${tiling.attentionChunks} chunks chosen; raise it or set attentionChunks`,
    );
  const weights = checkpoint ? checkpointWeights(checkpoint) : syntheticWeights(config);
  const { specs, ids } = programTensors(config, weights, {
    maxSeqLen: o.maxSeqLen,
    kvDtype: o.kvDtype,
    attentionChunks: tiling.attentionChunks,
    ...(o.attentionScratchChunks !== undefined ? { partialCapacity: o.attentionScratchChunks } : {}),
    fused: o.fused,
    ...(tokens !== undefined
      ? { tokens, allLogits: o.prefillLogits === 'all', matmulInputs: o.prefillMatmulInputs }
      : {}),
    ...(o.deviceSampler ? { candidateLists: tiling.matvec.lmHead.tiles.length } : {}),
  });
  const plan = planMemory(specs);
  // The fused ops normalise their inputs; a post-norm model (OLMo-2) takes the op-per-step chain in
  // both modes (docs/decisions.md).
  const graph =
    tokens !== undefined
      ? lowerPrefill(lowerUnfused(config, ids, tiling, { ...o, prefill: true }), tokens, {
          allLogits: o.prefillLogits === 'all',
          matmulTokens: o.prefillMatmulTokens,
          ...(o.prefillMatmulRows !== undefined ? { matmulRows: o.prefillMatmulRows } : {}),
        })
      : o.fused && !needsOpChain(config)
        ? lowerFused(config, ids, tiling, o)
        : lowerUnfused(config, ids, tiling, o);
  const counters = deriveCounters(graph, plan.tensors);
  // Costs at the longest context: the schedule must hold up where attention is most expensive.
  const ctx = { pos: o.maxSeqLen - (tokens ?? 1), kvRows: 'visible' as const, sizesOnly: true };
  const costs = counters.insts.map((inst) => instructionCost(inst, plan.tensors, o.costModel, ctx).us);
  const assignment = assignToQueues(counters.insts, costs, {
    queues: o.queues,
    strategy: o.assignment,
    syncUs: o.costModel.syncUs,
  });
  const elided = elideRedundantWaits(counters.insts, assignment.queues, assignment.order);
  const counterNames: string[] = [];
  elided.counterMap.forEach((to, from) => {
    if (to >= 0) counterNames[to] = counters.counterNames[from]!;
  });
  const program: Program = {
    formatVersion: PROGRAM_FORMAT_VERSION,
    config,
    maxSeqLen: o.maxSeqLen,
    tensors: plan.tensors,
    weightBytes: plan.weightBytes,
    stateBytes: plan.stateBytes,
    counterCount: elided.counterCount,
    ...(tokens !== undefined ? { tokensPerStep: tokens } : {}),
    io: { tokens: ids.tokens, logits: ids.logits, argmax: ids.argmax, ...ids.sampler },
    queues: assignment.queues.map((list) => encodeQueue(list.map((i) => elided.insts[i]!))),
    meta: {
      scheduler: SCHEDULER_NAME,
      options: {
        queues: o.queues,
        maxSeqLen: o.maxSeqLen,
        assignment: o.assignment,
        tileRows: o.tileRows,
        rowsPerInstruction: o.rowsPerInstruction,
        splitK: o.splitK,
        attentionChunks: o.attentionChunks,
        ...(o.attentionScratchChunks !== undefined
          ? { attentionScratchChunks: o.attentionScratchChunks }
          : {}),
        kvDtype: o.kvDtype,
        fused: o.fused,
        suppressToken: o.suppressToken,
        ...(o.deviceSampler ? { deviceSampler: true } : {}),
        ...(tokens !== undefined
          ? {
              prefillTokens: tokens,
              prefillLogits: o.prefillLogits,
              prefillMatmulInputs: o.prefillMatmulInputs,
              prefillMatmulTokens: o.prefillMatmulTokens,
              ...(o.prefillMatmulRows !== undefined ? { prefillMatmulRows: o.prefillMatmulRows } : {}),
            }
          : {}),
        costModel: o.costModel,
      },
      tiling: {
        attentionChunks: tiling.attentionChunks,
        splitK: tiling.matvec.down.splitK,
        instructions: Object.fromEntries(Object.entries(tiling.matvec).map(([k, v]) => [k, v.tiles.length])),
      },
      elidedWaits: elided.removedWaits,
      memory: plan.report,
      counterNames,
    },
  };
  if (o.verify) {
    const result = verifyProgram(program);
    if (!result.ok) throw new CompileError('verification-failed', result.violations[0]!.message);
  }
  return program;
}

/**
 * A prefill program takes the op-per-step chain with one attention chunk and no split-K (its products
 * are MATMULs over the step's tokens); asking for anything else with it is refused, not ignored.
 */
function prefillOptions(options: CompileOptions): CompileOptions {
  if (options.prefillTokens === undefined) return options;
  const conflicts = [
    options.fused === true ? 'fused: true' : undefined,
    options.splitK !== undefined && options.splitK !== 1 ? `splitK: ${options.splitK}` : undefined,
    options.attentionChunks !== undefined && options.attentionChunks !== 1
      ? `attentionChunks: ${options.attentionChunks}`
      : undefined,
  ].filter((c) => c !== undefined);
  if (conflicts.length > 0)
    throw new CompileError(
      'bad-option',
      `prefillTokens lowers through the op chain with one attention chunk and no split-K; drop ${conflicts.join(', ')}`,
    );
  return { ...options, fused: false, splitK: 1, attentionChunks: 1 };
}
