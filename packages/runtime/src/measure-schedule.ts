/**
 * A schedule measured on the GPU instead of estimated: the kernel's per-instruction timestamps of
 * one decode step laid over the cost model's estimate, so renderScheduleSvg draws what happened.
 */

import { CudaDevice, CudaProgram, type InstructionTiming } from '@megakernel/cuda-hopper';
import type { Program } from '@megakernel/isa';
import type { TensorReader } from '@megakernel/model';
import { estimateCosts, type ScheduleEstimate } from '@megakernel/scheduler';

/** Decode steps per timed launch; the last one is drawn (the first pays for cold caches). */
const STEPS = 4;

/**
 * Runs `program` on the GPU with timing on: real weights from `checkpoint`, or the device's random
 * weights for a preset (the traffic is the same). Call only when probeCuda() is ok. The device handle
 * it opens is closed (its memory freed) before it returns.
 */
export function measureSchedule(program: Program, checkpoint: TensorReader | null): ScheduleEstimate {
  const steps = Math.min(STEPS, program.maxSeqLen);
  const device = CudaDevice.open(0);
  let timings: InstructionTiming[];
  try {
    const gpu = new CudaProgram(device, program);
    if (checkpoint === null) gpu.fillRandomWeights(1);
    else gpu.uploadWeights(checkpoint);
    // Token 1 at position 0; later positions hold -1, so the program continues from its own argmax.
    gpu.setTokens([1]);
    gpu.run({ steps, pos0: 0, timing: true });
    timings = gpu.timings();
  } finally {
    device.close();
  }
  const last = timings.filter((t) => t.step === steps - 1);
  const t0 = Math.min(...last.map((t) => t.start));
  const estimate = estimateCosts(program, { context: steps });
  const measured = new Map(last.map((t) => [`${t.queue}:${t.index}`, t]));
  const instructions = estimate.instructions.map((queue) =>
    queue.map((e) => {
      const t = measured.get(`${e.queue}:${e.index}`);
      if (t === undefined) return e;
      const startUs = (t.start - t0) / 1000;
      return { ...e, startUs, endUs: startUs + t.totalNs / 1000, us: t.totalNs / 1000 };
    }),
  );
  const endUs = instructions.map((q) => q.reduce((m, e) => Math.max(m, e.endUs), 0));
  return {
    ...estimate,
    instructions,
    busyUs: instructions.map((q) => q.reduce((s, e) => s + (e.endUs - e.startUs), 0)),
    endUs,
    makespanUs: Math.max(...endUs),
  };
}
