/**
 * Instruction fields that restate a constant of the model (a descriptor's arg, float or flag with
 * `model` set): the norm epsilon, the attention and embedding scales, the sliding window, the MLP's
 * activation and gating, LayerNorm vs RMSNorm. Each must equal the value the program's own config
 * implies. The loading path checks this, so a flipped bit in an eps or a scale is refused by name
 * instead of running to logits that are off by a few percent. Also here: the tensor table's rule
 * that each element of a checkpoint tensor feeds one weights entry.
 */

import { decodeInstruction } from './encode.js';
import { FieldRangeError } from './errors.js';
import { ACTIVATION_CODES, ACTIVATION_SHIFT } from './flags.js';
import { INSTRUCTION_BYTES, NONE16 } from './instruction-layout.js';
import { layerWindow, type RuntimeModelConfig, rotaryDim } from './model-config.js';
import type { ModelConstant } from './op-descriptor.js';
import { opcodeInfo } from './opcodes.js';
import type { Program, WeightSource } from './program-types.js';
import type { Violation } from './validate.js';
import { type SourceRead, sourceReadsOverlap, weightSourceReads } from './weight-source-names.js';

/** The value an instruction field must hold for constant `c` (floats as f32, flags as field values). */
export function modelConstant(c: ModelConstant, config: RuntimeModelConfig, layer?: number): number {
  switch (c) {
    case 'normEps':
      return Math.fround(config.normEps);
    case 'attentionScale':
      return Math.fround(config.attentionScale);
    case 'embeddingScale':
      return Math.fround(config.embeddingScale);
    case 'residualScale':
      return Math.fround(config.residualScale);
    case 'logitsScale':
      return Math.fround(config.logitsScale);
    case 'slidingWindow':
      // Per layer where the model alternates (Gemma 2); an instruction of no layer sees the shared window.
      return (layer === undefined ? config.slidingWindow : layerWindow(config, layer)) ?? 0;
    case 'attnLogitSoftcap':
      return Math.fround(config.attnLogitSoftcap ?? 0);
    case 'activation':
      return ACTIVATION_CODES[config.activation];
    case 'layerNorm':
      return config.norm === 'layer' ? 1 : 0;
    case 'mlpGated':
      return config.mlpGated ? 1 : 0;
    case 'moeTopK':
      return config.moe?.topK ?? 0;
    case 'moeNormalize':
      return config.moe?.normalizeTopK ? 1 : 0;
  }
}

/**
 * The tensor table's weight sources against the model: each element of a checkpoint tensor feeds one
 * place of one weights entry (the scheduler merges identical sources, so a tied LM head is the
 * embedding's entry; two entries or two parts of one reading the same rows are a corrupted table, such
 * as a layer reading another layer's projection or K read from the V projection), while disjoint row
 * ranges of one fused tensor (Phi-3's gate_up_proj) may feed different entries; and every RoPE
 * permutation uses the model's head_dim and rotary dims.
 */
export function weightSourceViolations(p: Program, config: RuntimeModelConfig = p.config): Violation[] {
  const out: Violation[] = [];
  const bad = (id: number, value: unknown, rule: string, detail: string): void => {
    out.push({ queue: -1, index: id, field: 'source', value, rule, detail });
  };
  const rot = rotaryDim(config);
  const checkPermutes = (id: number, s: WeightSource): void => {
    if (s.kind === 'concat' || s.kind === 'stack') for (const part of s.parts) checkPermutes(id, part);
    else if (s.kind === 'rows' || s.kind === 'add-one') checkPermutes(id, s.source);
    else if (s.kind === 'rope-permute') {
      if (s.headDim !== config.headDim || s.rotaryDim !== rot)
        bad(
          id,
          s,
          'rope-permute-shape',
          `head_dim ${s.headDim}, rotary ${s.rotaryDim}; the model has ${config.headDim}, ${rot}`,
        );
      checkPermutes(id, s.source);
    }
  };
  const seen: { read: SourceRead; id: number }[] = [];
  for (const t of p.tensors) {
    if (t.region !== 'weights' || t.source === undefined) continue;
    checkPermutes(t.id, t.source);
    for (const read of weightSourceReads(t.source)) {
      const first = seen.find((s) => sourceReadsOverlap(s.read, read));
      if (first === undefined) seen.push({ read, id: t.id });
      else {
        const whose = first.id === t.id ? 'two parts of' : `${p.tensors[first.id]!.name} and`;
        bad(
          t.id,
          read.name,
          'shared-source',
          `${whose} ${t.name} both read checkpoint tensor ${read.name}${rowsText(read)}`,
        );
      }
    }
  }
  return out;
}

function rowsText(r: SourceRead): string {
  if (r.end === undefined) return '';
  return ` (${r.axis === 'rows' ? 'rows' : 'columns'} ${r.start}..${r.end - 1})`;
}

/** Every field of every instruction that disagrees with the config (empty when all agree). */
export function modelConstantViolations(p: Program, config: RuntimeModelConfig = p.config): Violation[] {
  const out: Violation[] = [];
  p.queues.forEach((bytes, queue) => {
    for (let index = 0; (index + 1) * INSTRUCTION_BYTES <= bytes.byteLength; index++) {
      let inst: ReturnType<typeof decodeInstruction>;
      try {
        inst = decodeInstruction(bytes, index * INSTRUCTION_BYTES);
      } catch (e) {
        if (e instanceof FieldRangeError) continue; // validation names undecodable instructions
        throw e;
      }
      const info = opcodeInfo(inst.opcode);
      if (info === undefined) continue;
      const check = (field: string, c: ModelConstant, value: number): void => {
        const expected = modelConstant(c, config, inst.layer === NONE16 ? undefined : inst.layer);
        if (value !== expected) {
          out.push({
            queue,
            index,
            field,
            value,
            rule: 'model-constant',
            detail: `${info.name}.${field} is ${value}, the model's ${c} gives ${expected}`,
          });
        }
      };
      for (const a of info.args) if (a.model) check(a.name, a.model, inst[a.field]);
      for (const f of info.floats) if (f.model) check(f.name, f.model, inst[f.field]);
      for (const f of info.flags) {
        if (!f.model) continue;
        const shift = f.model === 'activation' ? ACTIVATION_SHIFT : 0;
        const raw = inst.flags & f.mask;
        check(f.name, f.model, shift > 0 ? raw >> shift : raw === 0 ? 0 : 1);
      }
    }
  });
  return out;
}
