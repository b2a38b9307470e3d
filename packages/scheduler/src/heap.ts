/** A binary min-heap over integer ids ordered by a caller-supplied comparison (list scheduling, LPT). */
export class MinHeap {
  private readonly items: number[] = [];
  constructor(private readonly less: (a: number, b: number) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(id: number): void {
    const a = this.items;
    a.push(id);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(a[i]!, a[parent]!)) break;
      [a[i], a[parent]] = [a[parent]!, a[i]!];
      i = parent;
    }
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

/** Makespan of placing `costs` on `queues` queues, largest first onto the least loaded (LPT). */
export function lptMakespan(costs: readonly number[], queues: number): number {
  if (costs.length > 0 && costs.every((c) => c === costs[0]))
    return Math.ceil(costs.length / queues) * costs[0]!;
  const sorted = [...costs].sort((a, b) => b - a);
  if (sorted.length <= queues) return sorted[0] ?? 0;
  const load = new Float64Array(queues);
  const heap = new MinHeap((a, b) => load[a]! < load[b]! || (load[a] === load[b] && a < b));
  for (let q = 0; q < queues; q++) heap.push(q);
  for (const c of sorted) {
    const q = heap.pop()!;
    load[q] = load[q]! + c;
    heap.push(q);
  }
  let max = 0;
  for (const l of load) max = Math.max(max, l);
  return max;
}
