/**
 * The op graph that lowering produces: ops (one logical step of the model, e.g. layer 3's QKV
 * projection) made of tiles (one instruction each), and the producer ops each op reads from.
 * Waits and signals are not set yet; `deriveCounters` adds them from the tiles' actual overlap.
 */
import type { Instruction } from '@megakernel/isa';

export interface OpEdge {
  /** Producer op. */
  readonly op: number;
  /** The dependency is on the producer's instance in the previous decode step. */
  readonly previousStep: boolean;
}

export interface LoweredOp {
  readonly id: number;
  /** What the op computes: `qkv`, `attention`, `down`, ... (names counters and reports). */
  readonly kind: string;
  readonly layer: number | null;
  /** Instruction ids (indices into `LoweredGraph.insts`). */
  readonly nodes: readonly number[];
  readonly after: readonly OpEdge[];
}

export interface LoweredGraph {
  readonly ops: readonly LoweredOp[];
  /** Every instruction, in a topological order of the op graph (ops in creation order). */
  readonly insts: readonly Instruction[];
  /** Op id of each instruction. */
  readonly opOf: readonly number[];
}

export class GraphBuilder {
  private readonly ops: {
    id: number;
    kind: string;
    layer: number | null;
    nodes: number[];
    after: OpEdge[];
  }[] = [];
  private readonly insts: Instruction[] = [];
  private readonly opOf: number[] = [];

  /** Adds an op whose tiles are `insts`, reading from the ops in `after` (same step). */
  op(kind: string, layer: number | null, after: readonly number[], insts: readonly Instruction[]): number {
    const id = this.ops.length;
    const nodes = insts.map((inst) => {
      this.insts.push(inst);
      this.opOf.push(id);
      return this.insts.length - 1;
    });
    this.ops.push({ id, kind, layer, nodes, after: after.map((op) => ({ op, previousStep: false })) });
    return id;
  }

  /** Adds a dependency of `consumer` on `producer`'s instance in the previous step. */
  afterPreviousStep(consumer: number, producer: number): void {
    this.ops[consumer]!.after.push({ op: producer, previousStep: true });
  }

  build(): LoweredGraph {
    return { ops: this.ops, insts: this.insts, opOf: this.opOf };
  }
}
