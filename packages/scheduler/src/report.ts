/**
 * scheduleReport: what a program costs and how well it is spread — instructions per op and layer,
 * bytes per instruction and per token (HBM: weights and KV cache; L2: activations), estimated time
 * per queue, the critical path and the imbalance between queues.
 */
import { DTYPE_BYTES, NONE16, type Program } from '@megakernel/isa';
import { type EstimateOptions, estimateCosts, type ScheduleEstimate } from './estimate.js';
import { ROLES, type Role } from './roles.js';
import { tensorClass } from './tensor-names.js';

export interface RoleSummary {
  readonly role: Role;
  readonly instructions: number;
  /** Instructions per layer (layered ops), or the count (EMBED, LM head). */
  readonly perLayer: number;
  readonly hbmBytes: number;
  readonly l2Bytes: number;
  readonly minBytes: number;
  readonly meanBytes: number;
  readonly maxBytes: number;
  /** Summed estimated duration, µs. */
  readonly us: number;
}

export interface ScheduleReport {
  readonly queues: number;
  readonly instructions: number;
  readonly counters: number;
  readonly waits: number;
  readonly roles: readonly RoleSummary[];
  /** instructionsPerLayer[layer][role]: layered ops only. */
  readonly instructionsPerLayer: readonly Readonly<Partial<Record<Role, number>>>[];
  /**
   * Bytes one token moves. `weights` and `kv` stream from HBM (norm parameters counted once, their
   * re-reads by every tile go to `activations`); `activations` are served by L2.
   */
  readonly bytesPerToken: { readonly weights: number; readonly kv: number; readonly activations: number };
  readonly estimate: {
    readonly context: number;
    readonly makespanUs: number;
    readonly busyUs: { readonly min: number; readonly mean: number; readonly max: number };
    /** max / mean busy time over queues that have work. */
    readonly imbalance: number;
    readonly criticalPathInstructions: number;
    /** Time of the critical path's instructions by role, µs. */
    readonly criticalPathByRole: Readonly<Partial<Record<Role, number>>>;
    /** Rest of the critical path: dependency latency between its instructions, µs. */
    readonly criticalPathWaitUs: number;
    /** (weights + KV bytes) / HBM bandwidth: the floor no schedule can beat, µs. */
    readonly bandwidthFloorUs: number;
  };
}

export function scheduleReport(
  program: Program,
  options: EstimateOptions = {},
  estimate?: ScheduleEstimate,
): ScheduleReport {
  const est = estimate ?? estimateCosts(program, options);
  const all = est.instructions.flat();
  const roles: RoleSummary[] = [];
  const layers = program.config.numLayers;
  for (const role of ROLES) {
    const list = all.filter((e) => e.role === role);
    if (list.length === 0) continue;
    const bytes = list.map((e) => e.hbmBytes + e.l2Bytes);
    const layered = list.some((e) => e.layer !== null);
    roles.push({
      role,
      instructions: list.length,
      perLayer: layered ? list.length / layers : list.length,
      hbmBytes: list.reduce((a, e) => a + e.hbmBytes, 0),
      l2Bytes: list.reduce((a, e) => a + e.l2Bytes, 0),
      minBytes: Math.min(...bytes),
      meanBytes: bytes.reduce((a, b) => a + b, 0) / bytes.length,
      maxBytes: Math.max(...bytes),
      us: list.reduce((a, e) => a + e.us, 0),
    });
  }
  const perLayer: Partial<Record<Role, number>>[] = Array.from({ length: layers }, () => ({}));
  for (const e of all)
    if (e.layer !== null && e.layer < layers)
      perLayer[e.layer]![e.role] = (perLayer[e.layer]![e.role] ?? 0) + 1;

  // Norm parameters: first touch from HBM, every re-read from L2.
  const normBytes = program.tensors
    .filter((t) => tensorClass(t) === 'norm')
    .reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1) * DTYPE_BYTES[t.dtype], 0);
  const weights = all.reduce((a, e) => a + e.weightBytes, 0) + normBytes;
  const kv = all.reduce((a, e) => a + e.kvBytes, 0);
  const activations = all.reduce((a, e) => a + e.l2Bytes, 0) - normBytes;

  const busy = est.busyUs.filter((_, q) => est.instructions[q]!.length > 0);
  const mean = busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length);
  const byRole: Partial<Record<Role, number>> = {};
  let pathUs = 0;
  for (const { queue, index } of est.criticalPath) {
    const e = est.instructions[queue]![index]!;
    byRole[e.role] = (byRole[e.role] ?? 0) + e.us;
    pathUs += e.us;
  }
  return {
    queues: program.queues.length,
    instructions: all.length,
    counters: program.counterCount,
    waits: countWaits(program),
    roles,
    instructionsPerLayer: perLayer,
    bytesPerToken: { weights, kv, activations },
    estimate: {
      context: est.context,
      makespanUs: est.makespanUs,
      busyUs: {
        min: busy.length > 0 ? Math.min(...busy) : 0,
        mean,
        max: busy.length > 0 ? Math.max(...busy) : 0,
      },
      imbalance: mean > 0 ? Math.max(...busy) / mean : 1,
      criticalPathInstructions: est.criticalPath.length,
      criticalPathByRole: byRole,
      criticalPathWaitUs: est.makespanUs - pathUs,
      bandwidthFloorUs: ((weights + kv) * 1e6) / est.params.hbmBytesPerSecond,
    },
  };
}

function countWaits(program: Program): number {
  let n = 0;
  for (const q of program.queues) {
    const view = new DataView(q.buffer, q.byteOffset, q.byteLength);
    for (let o = 0; o < q.byteLength; o += 64) {
      if (view.getUint16(o + 4, true) !== NONE16) n++;
      if (view.getUint16(o + 6, true) !== NONE16) n++;
    }
  }
  return n;
}

const fmt = (n: number, digits = 1): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const mb = (bytes: number): string => `${fmt(bytes / 1e6, 2)} MB`;
const kb = (bytes: number): string => `${fmt(bytes / 1e3, 1)} KB`;

/** The report as Markdown tables. */
export function formatScheduleReport(r: ScheduleReport): string {
  const lines: string[] = [];
  lines.push(
    `| op | instructions | per layer | bytes/instruction (min / mean / max) | HBM | L2 | est. time (sum) |`,
  );
  lines.push('| --- | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const s of r.roles) {
    lines.push(
      `| ${s.role} | ${s.instructions} | ${fmt(s.perLayer, s.perLayer % 1 === 0 ? 0 : 2)} | ${kb(s.minBytes)} / ${kb(s.meanBytes)} / ${kb(s.maxBytes)} | ${mb(s.hbmBytes)} | ${mb(s.l2Bytes)} | ${fmt(s.us)} µs |`,
    );
  }
  lines.push('');
  const e = r.estimate;
  lines.push(
    `- instructions: ${r.instructions} on ${r.queues} queues (${fmt(r.instructions / r.queues)} per queue), ${r.counters} counters, ${r.waits} waits`,
  );
  lines.push(
    `- bytes per token: weights ${mb(r.bytesPerToken.weights)} + KV ${mb(r.bytesPerToken.kv)} (HBM), activations ${mb(r.bytesPerToken.activations)} (L2)`,
  );
  lines.push(
    `- estimated step at context ${e.context}: ${fmt(e.makespanUs)} µs (HBM floor ${fmt(e.bandwidthFloorUs)} µs, ${fmt((100 * e.bandwidthFloorUs) / e.makespanUs)}% of it)`,
  );
  lines.push(
    `- busy time per queue: min ${fmt(e.busyUs.min)} / mean ${fmt(e.busyUs.mean)} / max ${fmt(e.busyUs.max)} µs, imbalance (max/mean) ${fmt(e.imbalance, 3)}`,
  );
  const path = Object.entries(e.criticalPathByRole)
    .sort((a, b) => b[1] - a[1])
    .map(([role, us]) => `${role} ${fmt(us)}`)
    .join(', ');
  lines.push(
    `- critical path: ${e.criticalPathInstructions} instructions; time by op (µs): ${path}; dependency latency ${fmt(e.criticalPathWaitUs)}`,
  );
  return lines.join('\n');
}
