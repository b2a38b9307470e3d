/**
 * The one loading path for programs: strict validation and size limits from the model before anything
 * is allocated or run, with the issue-12 inputs (a rowCount of 16 flipped to 67,108,880, arenas that ask
 * for gigabytes, a program for another model, a missing file).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  decodeInstruction,
  encodeInstruction,
  FLAG_SPLIT_K,
  INSTRUCTION_BYTES,
  type Instruction,
  NONE16,
  Op,
  opcodeInfo,
  operandField,
  PRESET_NAMES,
  type Program,
  ProgramFormatError,
  preset,
  SYNC_WAIT0_PREVIOUS_STEP,
  writeProgram,
} from '@megakernel/isa';
import { loadCheckpoint } from '@megakernel/model';
import { compile } from '@megakernel/scheduler';
import { afterAll, describe, expect, it } from 'vitest';
import { allFixtures, fixture } from '../../../test-support/fixtures.js';
import { PromptError } from './errors.js';
import {
  checkProgram,
  loadProgramBytes,
  loadProgramFile,
  ProgramFileError,
  ProgramLimitError,
  ProgramModelMismatchError,
  ProgramValidationError,
  ProgramVerifyError,
  programLimits,
} from './program-load.js';
import { verifyNumerics } from './verify-numerics.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-program-load-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const llamaTiny = loadCheckpoint(fixture('llama-tiny').dir);
afterAll(() => llamaTiny.close());
/** The program: `compile llama-tiny --queues 4 --kv-dtype f32`. */
const program = compile(llamaTiny, { queues: 4, maxSeqLen: 64, kvDtype: 'f32' });

/** The instruction field that holds operand `name` of the instruction's opcode. */
function field(inst: Instruction, name: string): keyof Instruction | undefined {
  const info = opcodeInfo(inst.opcode);
  return info === undefined ? undefined : (operandField(info, name) as keyof Instruction | undefined);
}

/** The first instruction whose rowCount operand is `rows`: [queue, index, field]. */
function findRowCount(p: Program, rows: number): [number, number, keyof Instruction] {
  for (let q = 0; q < p.queues.length; q++) {
    for (let i = 0; i < p.queues[q]!.byteLength / INSTRUCTION_BYTES; i++) {
      const inst = decodeInstruction(p.queues[q]!, i * INSTRUCTION_BYTES);
      const f = field(inst, 'rowCount');
      if (f !== undefined && inst[f] === rows) return [q, i, f];
    }
  }
  throw new Error(`no instruction with rowCount ${rows}`);
}

/** The program with instruction `index` of queue `queue` edited. */
function withInstruction(
  p: Program,
  queue: number,
  index: number,
  edit: (i: Instruction) => Partial<Instruction>,
): Program {
  const bytes = new Uint8Array(p.queues[queue]!);
  const inst = decodeInstruction(bytes, index * INSTRUCTION_BYTES);
  bytes.set(encodeInstruction({ ...inst, ...edit(inst) }), index * INSTRUCTION_BYTES);
  return { ...p, queues: p.queues.map((q, i) => (i === queue ? bytes : q)) };
}

describe('checkProgram', () => {
  // One test per fixture and per preset: the whole-program proofs of a real-shaped preset take seconds each.
  for (const f of allFixtures()) {
    it(`accepts what the scheduler compiles for fixture ${f.name}`, () => {
      const c = loadCheckpoint(f.dir);
      try {
        for (const options of [
          { queues: 3 },
          { queues: 132, kvDtype: 'f32' as const },
          { queues: 3, fused: false, attentionChunks: 2 },
        ]) {
          const p = compile(c, { maxSeqLen: c.config.maxPositionEmbeddings, ...options });
          expect(
            () => checkProgram(p, { model: c.config }),
            `${f.name} ${JSON.stringify(options)}`,
          ).not.toThrow();
        }
      } finally {
        c.close();
      }
    });
  }
  for (const name of PRESET_NAMES) {
    it(`accepts what the scheduler compiles for preset ${name} on 132 queues`, () => {
      const config = preset(name);
      const p = compile(config, { queues: 132, maxSeqLen: Math.min(4096, config.maxPositionEmbeddings) });
      expect(() => checkProgram(p, { model: config }), name).not.toThrow();
    });
  }

  it('a rowCount of 16 flipped to 67,108,880 (bit 26) is a ProgramValidationError, not a hang', () => {
    const [queue, index, f] = findRowCount(program, 16);
    const bad = withInstruction(program, queue, index, () => ({ [f]: 16 + 2 ** 26 }));
    expect(decodeInstruction(bad.queues[queue]!, index * INSTRUCTION_BYTES)[f]).toBe(67_108_880);
    const bytes = writeProgram(bad);
    const t0 = performance.now();
    expect(() => loadProgramBytes(bytes, { model: llamaTiny.config })).toThrow(ProgramValidationError);
    expect(() => loadProgramBytes(bytes)).toThrow(
      `queue ${queue} #${index}: rowCount = 67108880 [tile-out-of-range]`,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('arenas and maxSeqLen beyond the model are ProgramLimitErrors, checked before validation', () => {
    const limits = programLimits(llamaTiny.config, program.maxSeqLen);
    expect(program.weightBytes).toBeLessThan(limits.weightBytes);
    expect(program.stateBytes).toBeLessThan(limits.stateBytes);
    const cases: [Partial<Program>, string][] = [
      [{ stateBytes: 64_000_000_128 }, 'stateBytes'],
      [{ weightBytes: 2 ** 40 }, 'weightBytes'],
      [{ maxSeqLen: 1_000_000_000 }, 'maxSeqLen'],
      [{ counterCount: 2 ** 31 }, 'counterCount'],
    ];
    for (const [edit, field] of cases) {
      try {
        checkProgram({ ...program, ...edit }, { model: llamaTiny.config });
        throw new Error(`expected a ProgramLimitError for ${field}`);
      } catch (e) {
        expect(e, field).toBeInstanceOf(ProgramLimitError);
        expect((e as ProgramLimitError).field).toBe(field);
      }
    }
  });

  it('a program for another model is a ProgramModelMismatchError naming the field', () => {
    const gpt2 = loadCheckpoint(fixture('gpt2-tiny').dir);
    try {
      expect(() => checkProgram(program, { model: gpt2.config })).toThrow(ProgramModelMismatchError);
      expect(() => checkProgram(program, { model: gpt2.config })).toThrow(/architecture = "llama"/);
      const wide = { ...llamaTiny.config, vocabSize: 512 };
      expect(() => checkProgram(program, { model: wide })).toThrow(/vocabSize = 256, the checkpoint has 512/);
    } finally {
      gpt2.close();
    }
  });
});

describe('the verifier in the loading path', () => {
  /**
   * A same-step wait moved to another counter that is signalled just as often: every field stays
   * consistent (strict validation checks targets against signal counts), but the instruction now
   * waits for the wrong producers. [queue, index, the other counter].
   */
  function findMovableWait(p: Program): [number, number, number] {
    const all: Instruction[][] = p.queues.map((q) =>
      Array.from({ length: q.byteLength / INSTRUCTION_BYTES }, (_, i) =>
        decodeInstruction(q, i * INSTRUCTION_BYTES),
      ),
    );
    const signals = new Map<number, number>();
    for (const inst of all.flat())
      if (inst.signalCounter !== NONE16)
        signals.set(inst.signalCounter, (signals.get(inst.signalCounter) ?? 0) + 1);
    for (let q = 0; q < all.length; q++) {
      for (let i = 0; i < all[q]!.length; i++) {
        const inst = all[q]![i]!;
        if (inst.wait0Counter === NONE16 || (inst.syncFlags & SYNC_WAIT0_PREVIOUS_STEP) !== 0) continue;
        for (const [counter, n] of signals)
          if (counter !== inst.wait0Counter && n === signals.get(inst.wait0Counter)) return [q, i, counter];
      }
    }
    throw new Error('no wait that can move to a counter with the same signal count');
  }

  it('a wait moved to the wrong counter passes strict validation but the verifier refuses it', () => {
    const [queue, index, counter] = findMovableWait(program);
    const bad = withInstruction(program, queue, index, () => ({ wait0Counter: counter }));
    // Each field is consistent: strict validation has nothing to say.
    expect(() => checkProgram(bad, { model: llamaTiny.config, verify: false })).not.toThrow();
    let error: unknown;
    try {
      checkProgram(bad, { model: llamaTiny.config });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProgramVerifyError);
    const kinds = (error as ProgramVerifyError).violations.map((v) => v.kind);
    expect(kinds.some((k) => k === 'race' || k === 'deadlock')).toBe(true);
    expect((error as Error).message).toMatch(
      /the program verifier refuses it: (race|deadlock) at queue \d+ #\d+/,
    );
  });

  /** The first instruction of `opcode` matching `pick`: [queue, index]. */
  function findInstruction(p: Program, pick: (i: Instruction) => boolean): [number, number] {
    for (let q = 0; q < p.queues.length; q++)
      for (let i = 0; i < p.queues[q]!.byteLength / INSTRUCTION_BYTES; i++)
        if (pick(decodeInstruction(p.queues[q]!, i * INSTRUCTION_BYTES))) return [q, i];
    throw new Error('no such instruction');
  }

  it('an LM-head tile shifted by one row (a row doubled, another uncovered) is refused', () => {
    const [queue, index] = findInstruction(
      program,
      (i) => i.opcode === Op.FUSED_NORM_LM_HEAD_ARGMAX && i.a0 > 0,
    );
    const bad = withInstruction(program, queue, index, (i) => ({ a0: i.a0 - 1 }));
    expect(() => checkProgram(bad, { model: llamaTiny.config, verify: false })).not.toThrow();
    // The LM head's weight is streamed twice on one row and never on another; the logits race too.
    expect(() => checkProgram(bad, { model: llamaTiny.config })).toThrow(
      /verifier refuses it: coverage at .*: streams, like another instruction of the step \(rows computed twice\), elements/,
    );
  });

  it("a split-K tile with a kCount of 0 (adding its partners' columns again) is refused", () => {
    const split = compile(llamaTiny, { queues: 4, maxSeqLen: 64, kvDtype: 'f32', splitK: 2 });
    const [queue, index] = findInstruction(
      split,
      (i) => i.opcode === Op.FUSED_MATMUL_RESIDUAL && (i.flags & FLAG_SPLIT_K) !== 0 && i.a2 === 0,
    );
    const bad = withInstruction(split, queue, index, () => ({ a3: 0 }));
    expect(() => checkProgram(bad, { model: llamaTiny.config, verify: false })).not.toThrow();
    expect(() => checkProgram(bad, { model: llamaTiny.config })).toThrow(/verifier refuses it: coverage/);
  });

  it('the unchanged program passes the verifier', () => {
    expect(checkProgram(program, { model: llamaTiny.config })).toBe(program);
  });

  // Single-bit flips the program fuzz found loading and running to wrong logits (2026-12-02), each
  // now refused by the rule named in docs/decisions.md.
  describe('corruptions that used to run to wrong logits', () => {
    const isOp = (name: keyof typeof Op) => (i: Instruction) => i.opcode === Op[name];
    const edited = (pick: (i: Instruction) => boolean, edit: (i: Instruction) => Partial<Instruction>) => {
      const [queue, index] = findInstruction(program, pick);
      return withInstruction(program, queue, index, edit);
    };
    const operand = (i: Instruction, name: string) => i[field(i, name)!] as number;
    const refused = (bad: Program, message: RegExp) =>
      expect(() => checkProgram(bad, { model: llamaTiny.config })).toThrow(message);

    it("a norm eps that is not the model's (1e-5 read as 2e-5)", () => {
      const bad = edited(isOp('FUSED_NORM_GATE_UP_ACT'), (i) => ({ [field(i, 'eps')!]: 2e-5 }));
      refused(bad, /model-constant.*eps.*normEps/);
    });

    it("an attention scale that is not the model's", () => {
      const bad = edited(isOp('ATTENTION_PARTIAL'), (i) => ({ [field(i, 'scale')!]: -0.25 }));
      refused(bad, /model-constant.*scale.*attentionScale/);
    });

    it('an O-projection tile without split-K that skips the first column', () => {
      const bad = edited(isOp('FUSED_MATMUL_RESIDUAL'), (i) => ({ [field(i, 'kStart')!]: 1 }));
      refused(bad, /partial-k/);
    });

    it('a gate/up tile whose gate weight is its up weight', () => {
      const bad = edited(isOp('FUSED_NORM_GATE_UP_ACT'), (i) => ({
        [field(i, 'Wgate')!]: operand(i, 'Wup'),
      }));
      refused(bad, /which another of its weights also names/);
    });

    it('an O-projection tile that reads the queries instead of the attention output', () => {
      const q = program.tensors.find((t) => t.name === 'q')!.id;
      const bad = edited(isOp('FUSED_MATMUL_RESIDUAL'), (i) => ({ [field(i, 'x')!]: q }));
      refused(bad, /streams the weight of another instruction but differs from it/);
    });

    it('a gate/up tile with fewer rows (rows of the MLP nothing computes)', () => {
      const bad = edited(isOp('FUSED_NORM_GATE_UP_ACT'), (i) => ({
        [field(i, 'rowCount')!]: operand(i, 'rowCount') - 16,
      }));
      // The down projection reads MLP rows nothing writes; the gate/up weights have rows nothing streams.
      refused(
        bad,
        /coverage at .*reads elements \[32, 48\) of mlpAct, which no instruction of the step writes/,
      );
    });

    it("an untied model's embedding that reads the LM head's weight", () => {
      const lmHead = program.tensors.find((t) => t.name === 'lmHead')!.id;
      const bad = edited(isOp('EMBED_GATHER'), (i) => ({ [field(i, 'table')!]: lmHead }));
      refused(bad, /as a parameter, which another instruction streams as a weight/);
    });

    /** The program with one checkpoint-tensor name in `entry`'s weight source replaced. */
    const renamedSource = (entry: string, from: string, to: string): Program => ({
      ...program,
      tensors: program.tensors.map((t) =>
        t.name === entry ? { ...t, source: JSON.parse(JSON.stringify(t.source).replace(from, to)) } : t,
      ),
    });

    it("a layer's fused QKV weight whose source names another layer's projection", () => {
      refused(
        renamedSource('layers.1.qkv', 'layers.1.self_attn.q_proj', 'layers.0.self_attn.q_proj'),
        /shared-source/,
      );
    });

    // Found by a 1.49-million-case fuzz campaign (seed 356381614, cases 94321 and 635004).
    it('an attention partial whose query is its own output buffer (both [H, d])', () => {
      const attnOut = program.tensors.find((t) => t.name === 'attnOut')!.id;
      const bad = edited(isOp('ATTENTION_PARTIAL'), (i) => ({ [field(i, 'q')!]: attnOut }));
      refused(bad, /of attnOut, which it also writes through another operand/);
    });

    // The same campaign's case 400230: one byte of the header turns k_proj into v_proj.
    it('a fused QKV weight whose K part reads the V projection', () => {
      refused(
        renamedSource('layers.0.qkv', 'layers.0.self_attn.k_proj', 'layers.0.self_attn.v_proj'),
        /shared-source.*two parts of layers\.0\.qkv/,
      );
    });
  });
});

describe('loadProgramFile', () => {
  it('round-trips a compiled program', () => {
    const file = path.join(tmp, 'ok.mkp');
    fs.writeFileSync(file, writeProgram(program));
    expect(loadProgramFile(file, { model: llamaTiny.config }).counterCount).toBe(program.counterCount);
  });

  it('a missing file says the program file is missing', () => {
    const file = path.join(tmp, 'x.mkp');
    expect(() => loadProgramFile(file)).toThrow(ProgramFileError);
    expect(() => loadProgramFile(file)).toThrow(`program file ${file} does not exist`);
  });

  it('a directory is named as such', () => {
    expect(() => loadProgramFile(tmp)).toThrow(/is not a file/);
  });

  it('bytes that are not a program are a ProgramFormatError naming the file', () => {
    const file = path.join(tmp, 'junk.mkp');
    fs.writeFileSync(file, 'hello');
    expect(() => loadProgramFile(file)).toThrow(ProgramFormatError);
    expect(() => loadProgramFile(file)).toThrow(file);
  });
});

describe('verifyNumerics checks what it is handed', () => {
  it('an id outside the vocabulary (verify --ids 1,2,999) is a PromptError', () => {
    expect(() => verifyNumerics(program, llamaTiny, [1, 2, 999])).toThrow(PromptError);
    expect(() => verifyNumerics(program, llamaTiny, [1, 2, 999])).toThrow(
      /id 999, outside the vocabulary \[0, 256\)/,
    );
  });

  it('a corrupted program is refused before it runs', () => {
    const [queue, index, f] = findRowCount(program, 16);
    const bad = withInstruction(program, queue, index, () => ({ [f]: 16 + 2 ** 26 }));
    expect(() => verifyNumerics(bad, llamaTiny, [1, 2, 3])).toThrow(ProgramValidationError);
  });
});
