/**
 * Compares the accesses the CPU VM's executors made (strict mode) with the ones the ISA's access
 * model declares for the same instruction at the same position. Reads and writes are compared as
 * element sets per tensor; an atomic fold counts as both. A data-dependent declared read (the
 * embedding row of the token) must match in size only; a conditional one (made or not depending on
 * data) may be absent from the record.
 */
import { type Access, instructionAccesses, opcodeInfo, type Program } from '@megakernel/isa';
import type { AccessEvent, RecordedAccess } from '@megakernel/reference-cpu';

type Sets = Map<string, number[]>;

function add(sets: Sets, key: string, lo: number, hi: number): void {
  if (hi <= lo) return;
  const list = sets.get(key);
  if (list) list.push(lo, hi);
  else sets.set(key, [lo, hi]);
}

/** Sorted, merged [lo, hi) pairs. */
export function mergeIntervals(pairs: readonly number[]): number[] {
  const spans: [number, number][] = [];
  for (let i = 0; i < pairs.length; i += 2) spans.push([pairs[i]!, pairs[i + 1]!]);
  spans.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of spans) {
    if (out.length > 0 && lo <= out[out.length - 1]!)
      out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

const size = (pairs: readonly number[]): number => {
  let n = 0;
  for (let i = 0; i < pairs.length; i += 2) n += pairs[i + 1]! - pairs[i]!;
  return n;
};

function declaredSets(accesses: readonly Access[]): { sets: Sets; dataDependent: Sets; conditional: Sets } {
  const sets: Sets = new Map();
  const dataDependent: Sets = new Map();
  const conditional: Sets = new Map();
  for (const a of accesses) {
    const kinds = a.kind === 'read' ? ['read'] : a.kind === 'write' ? ['write'] : ['read', 'write'];
    for (const kind of kinds) {
      for (let i = 0; i < a.intervals.length; i += 2) {
        const into = a.dataDependent ? dataDependent : a.conditional ? conditional : sets;
        add(into, `${a.tensor}:${kind}`, a.intervals[i]!, a.intervals[i + 1]!);
      }
    }
  }
  return { sets, dataDependent, conditional };
}

function recordedSets(accesses: readonly RecordedAccess[]): Sets {
  const sets: Sets = new Map();
  for (const a of accesses) add(sets, `${a.tensor}:${a.access}`, a.start, a.start + a.count);
  return sets;
}

/** Differences between the recorded and the declared accesses of one executed instruction. */
export function accessMismatches(program: Program, event: AccessEvent): string[] {
  const name = opcodeInfo(event.inst.opcode)?.name ?? `0x${event.inst.opcode.toString(16)}`;
  const where = `${name} queue ${event.queue} #${event.index} pos ${event.pos}`;
  let declaredAccesses: Access[];
  try {
    declaredAccesses = instructionAccesses(event.inst, program.tensors, {
      pos: event.pos,
      kvRows: 'visible',
    });
  } catch (e) {
    return [`${where}: the access model fails on an instruction the VM ran: ${(e as Error).message}`];
  }
  const declared = declaredSets(declaredAccesses);
  const recorded = recordedSets(event.accesses);
  const tensorName = (key: string) => {
    const [id, kind] = key.split(':');
    return `${kind} of '${program.tensors[Number(id)]?.name}'`;
  };
  const out: string[] = [];
  // A conditional access was made in full or not at all.
  for (const [key, pairs] of declared.conditional) {
    const want = mergeIntervals([...(declared.sets.get(key) ?? []), ...pairs]);
    const got = mergeIntervals(recorded.get(key) ?? []);
    if (got.join() === want.join()) {
      recorded.delete(key);
      declared.sets.delete(key);
    }
  }
  for (const [key, pairs] of declared.dataDependent) {
    const got = mergeIntervals(recorded.get(key) ?? []);
    recorded.delete(key);
    if (size(got) !== size(pairs) || got.length !== 2)
      out.push(
        `${where}: ${tensorName(key)} recorded [${got}], declared one run of ${size(pairs)} (data-dependent)`,
      );
  }
  for (const key of new Set([...declared.sets.keys(), ...recorded.keys()])) {
    const want = mergeIntervals(declared.sets.get(key) ?? []);
    const got = mergeIntervals(recorded.get(key) ?? []);
    if (want.join() !== got.join())
      out.push(`${where}: ${tensorName(key)} recorded [${got}], declared [${want}]`);
  }
  return out;
}
