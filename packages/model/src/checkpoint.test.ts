import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RuntimeModelConfig } from '@megakernel/isa';
import { afterEach, describe, expect, it } from 'vitest';
import { type LoadedCheckpoint, loadCheckpoint } from './checkpoint.js';
import type { WeightRole } from './checkpoint-types.js';
import {
  CheckpointFolderError,
  ConfigError,
  MissingTensorError,
  NonFiniteWeightError,
  TensorShapeError,
  UnavailableRoleError,
  UnsupportedArchitectureError,
} from './errors.js';
import { writeShardedSafetensors } from './safetensors-index.js';
import { openSafetensors } from './safetensors-reader.js';
import { type WritableTensor, writeSafetensors } from './safetensors-writer.js';
import {
  allFixtureNames,
  expectSameF32,
  FIXTURES_DIR,
  fixtureDir,
  readJson,
  useTempDirs,
  writeJson,
} from './test-helpers.js';
import { materializeWeightSource, weightSourceShape } from './weight-source.js';

const tempDir = useTempDirs();
const open: LoadedCheckpoint[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.close();
});
const load = (dir: string) => {
  const c = loadCheckpoint(dir);
  open.push(c);
  return c;
};

/** The roles and shapes each family must expose, written from the Hugging Face model definitions. */
function expectedRoles(c: RuntimeModelConfig): Map<string, number[]> {
  const h = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const i = c.intermediateSize;
  const out = new Map<string, number[]>([
    ['embed', [c.vocabSize, h]],
    ['finalNorm', [h]],
    ['lmHead', [c.vocabSize, h]],
  ]);
  if (c.architecture === 'gpt2') {
    out.set('positions', [c.maxPositionEmbeddings, h]);
    out.set('finalNormBias', [h]);
  }
  if (c.architecture === 'gpt_neox') out.set('finalNormBias', [h]);
  if (c.architecture === 'phi') {
    out.set('finalNormBias', [h]);
    out.set('lmHeadBias', [c.vocabSize]);
  }
  for (let l = 0; l < c.numLayers; l++) {
    const layer: [string, number[]][] = [
      ['attnNorm', [h]],
      ['q', [q, h]],
      ['k', [kv, h]],
      ['v', [kv, h]],
      ['o', [h, q]],
      ['mlpNorm', [h]],
      ['up', [i, h]],
      ['down', [h, i]],
    ];
    if (c.architecture === 'gpt2' || c.architecture === 'gpt_neox' || c.architecture === 'phi') {
      layer.push(
        ['attnNormBias', [h]],
        ['mlpNormBias', [h]],
        ['qBias', [q]],
        ['kBias', [kv]],
        ['vBias', [kv]],
      );
      layer.push(['oBias', [h]], ['upBias', [i]], ['downBias', [h]]);
    } else {
      layer.push(['gate', [i, h]]);
      if (c.qkvBias) layer.push(['qBias', [q]], ['kBias', [kv]], ['vBias', [kv]]);
      if (c.architecture === 'qwen3') layer.push(['qNorm', [c.headDim]], ['kNorm', [c.headDim]]);
    }
    if (c.architecture === 'gemma2') layer.push(['attnOutNorm', [h]], ['mlpOutNorm', [h]]);
    if (c.architecture === 'olmo2') {
      // Norms of the blocks' outputs instead of their inputs; q/k norms as wide as the projections.
      layer.splice(
        layer.findIndex(([r]) => r === 'attnNorm'),
        1,
      );
      layer.splice(
        layer.findIndex(([r]) => r === 'mlpNorm'),
        1,
      );
      layer.push(['attnOutNorm', [h]], ['mlpOutNorm', [h]], ['qNorm', [q]], ['kNorm', [kv]]);
    }
    if (c.moe !== null) {
      // Mixtral: the router and the experts' projections, stacked [E, out, in], replace the dense MLP.
      const e = c.moe.numExperts;
      for (const dense of ['gate', 'up', 'down'])
        layer.splice(
          layer.findIndex(([r]) => r === dense),
          1,
        );
      layer.push(
        ['router', [e, h]],
        ['expertGate', [e, i, h]],
        ['expertUp', [e, i, h]],
        ['expertDown', [e, h, i]],
      );
    }
    for (const [role, shape] of layer) out.set(`${role}@${l}`, shape);
  }
  return out;
}

const roleKey = (role: string, layer?: number) => (layer === undefined ? role : `${role}@${layer}`);

/** Copies a fixture's tensors (raw bytes) into `dir` with edits, plus its config.json. */
function copyFixture(
  name: string,
  dir: string,
  edit: (tensors: Map<string, WritableTensor>) => void = () => {},
  config: (c: Record<string, unknown>) => Record<string, unknown> = (c) => c,
): void {
  const f = openSafetensors(path.join(fixtureDir(name), 'model.safetensors'));
  const tensors = new Map<string, WritableTensor>(
    f.list().map((t) => [t.name, { dtype: t.dtype, shape: t.shape, bytes: f.readBytes(t.name) }]),
  );
  f.close();
  edit(tensors);
  writeSafetensors(path.join(dir, 'model.safetensors'), tensors);
  writeJson(path.join(dir, 'config.json'), config(readJson(path.join(fixtureDir(name), 'config.json'))));
}

function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/** weight(role) computed straight from the raw tensors, with the Hugging Face layouts spelled out. */
function expectedWeight(ck: LoadedCheckpoint, role: WeightRole, layer?: number): Float32Array {
  const c = ck.config;
  const h = c.hiddenSize;
  if (c.architecture === 'gpt_neox') return expectedNeoxWeight(ck, role, layer);
  if (c.architecture === 'phi') return expectedPhiWeight(ck, role, layer);
  if (c.architecture !== 'gpt2') {
    const q = c.numHeads * c.headDim;
    const kv = c.numKvHeads * c.headDim;
    const names: Record<string, string> = {
      embed: 'model.embed_tokens.weight',
      finalNorm: 'model.norm.weight',
      lmHead: c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight',
      attnNorm: 'input_layernorm.weight',
      mlpNorm: 'post_attention_layernorm.weight',
      // OLMo-2 and Gemma 2: the same file name is attention's output norm; Gemma 2's MLP input norm.
      attnOutNorm: 'post_attention_layernorm.weight',
      mlpOutNorm: 'post_feedforward_layernorm.weight',
      ...(c.architecture === 'gemma2' ? { mlpNorm: 'pre_feedforward_layernorm.weight' } : {}),
      q: 'self_attn.q_proj.weight',
      k: 'self_attn.k_proj.weight',
      v: 'self_attn.v_proj.weight',
      o: 'self_attn.o_proj.weight',
      qBias: 'self_attn.q_proj.bias',
      kBias: 'self_attn.k_proj.bias',
      vBias: 'self_attn.v_proj.bias',
      qNorm: 'self_attn.q_norm.weight',
      kNorm: 'self_attn.k_norm.weight',
      gate: 'mlp.gate_proj.weight',
      up: 'mlp.up_proj.weight',
      down: 'mlp.down_proj.weight',
    };
    // Phi-3: qkv_proj holds q, then k, then v rows; gate_up_proj gate, then up.
    const fused: Record<string, [string, number, number]> = {
      q: ['self_attn.qkv_proj.weight', 0, q],
      k: ['self_attn.qkv_proj.weight', q, kv],
      v: ['self_attn.qkv_proj.weight', q + kv, kv],
      gate: ['mlp.gate_up_proj.weight', 0, c.intermediateSize],
      up: ['mlp.gate_up_proj.weight', c.intermediateSize, c.intermediateSize],
    };
    // Mixtral: expert j's w1 (gate), w3 (up) and w2 (down) one after another; the router is `gate`.
    const experts: Record<string, string> = { expertGate: 'w1', expertUp: 'w3', expertDown: 'w2' };
    if (c.moe !== null && layer !== undefined && role === 'router')
      return ck.readTensor(`model.layers.${layer}.block_sparse_moe.gate.weight`);
    if (c.moe !== null && layer !== undefined && experts[role] !== undefined) {
      const parts = Array.from({ length: c.moe.numExperts }, (_, e) =>
        ck.readTensor(`model.layers.${layer}.block_sparse_moe.experts.${e}.${experts[role]}.weight`),
      );
      const out = new Float32Array(parts.reduce((n, x) => n + x.length, 0));
      parts.forEach((x, e) => {
        out.set(x, e * x.length);
      });
      return out;
    }
    if (c.architecture === 'phi3' && layer !== undefined && fused[role] !== undefined) {
      const [tensor, start, rows] = fused[role]!;
      return ck.readTensor(`model.layers.${layer}.${tensor}`).slice(start * h, (start + rows) * h);
    }
    const raw = ck.readTensor(layer === undefined ? names[role]! : `model.layers.${layer}.${names[role]}`);
    // Gemma's RMSNorm scales by 1 + weight.
    const gemma = c.architecture === 'gemma' || c.architecture === 'gemma2';
    return gemma && /Norm$/.test(role) ? raw.map((v) => 1 + v) : raw;
  }
  const p = `transformer.h.${layer}.`;
  const model: Record<string, string> = {
    embed: 'transformer.wte.weight',
    lmHead: 'transformer.wte.weight',
    positions: 'transformer.wpe.weight',
    finalNorm: 'transformer.ln_f.weight',
    finalNormBias: 'transformer.ln_f.bias',
  };
  if (layer === undefined) return ck.readTensor(model[role]!);
  const i = c.intermediateSize;
  const cAttn = transpose(ck.readTensor(`${p}attn.c_attn.weight`), h, 3 * h); // [3h, h]
  const cAttnBias = ck.readTensor(`${p}attn.c_attn.bias`);
  const layerRoles: Record<string, () => Float32Array> = {
    attnNorm: () => ck.readTensor(`${p}ln_1.weight`),
    attnNormBias: () => ck.readTensor(`${p}ln_1.bias`),
    mlpNorm: () => ck.readTensor(`${p}ln_2.weight`),
    mlpNormBias: () => ck.readTensor(`${p}ln_2.bias`),
    q: () => cAttn.slice(0, h * h),
    k: () => cAttn.slice(h * h, 2 * h * h),
    v: () => cAttn.slice(2 * h * h, 3 * h * h),
    qBias: () => cAttnBias.slice(0, h),
    kBias: () => cAttnBias.slice(h, 2 * h),
    vBias: () => cAttnBias.slice(2 * h, 3 * h),
    o: () => transpose(ck.readTensor(`${p}attn.c_proj.weight`), h, h),
    oBias: () => ck.readTensor(`${p}attn.c_proj.bias`),
    up: () => transpose(ck.readTensor(`${p}mlp.c_fc.weight`), h, i),
    upBias: () => ck.readTensor(`${p}mlp.c_fc.bias`),
    down: () => transpose(ck.readTensor(`${p}mlp.c_proj.weight`), i, h),
    downBias: () => ck.readTensor(`${p}mlp.c_proj.bias`),
  };
  return layerRoles[role]!();
}

/** GPT-NeoX: query_key_value's rows are, per head, that head's q, k and v rows (head_dim each). */
function expectedNeoxWeight(ck: LoadedCheckpoint, role: WeightRole, layer?: number): Float32Array {
  const c = ck.config;
  const model: Record<string, string> = {
    embed: 'gpt_neox.embed_in.weight',
    lmHead: 'embed_out.weight',
    finalNorm: 'gpt_neox.final_layer_norm.weight',
    finalNormBias: 'gpt_neox.final_layer_norm.bias',
  };
  if (layer === undefined) return ck.readTensor(model[role]!);
  const p = `gpt_neox.layers.${layer}.`;
  const part = { q: 0, k: 1, v: 2, qBias: 0, kBias: 1, vBias: 2 }[role as string];
  if (part !== undefined) {
    const bias = role.endsWith('Bias');
    const raw = ck.readTensor(`${p}attention.query_key_value.${bias ? 'bias' : 'weight'}`);
    const cols = bias ? 1 : c.hiddenSize;
    const d = c.headDim;
    const out = new Float32Array(c.numHeads * d * cols);
    for (let head = 0; head < c.numHeads; head++)
      for (let r = 0; r < d; r++)
        for (let k = 0; k < cols; k++)
          out[(head * d + r) * cols + k] = raw[((3 * head + part) * d + r) * cols + k]!;
    return out;
  }
  const names: Record<string, string> = {
    attnNorm: 'input_layernorm.weight',
    attnNormBias: 'input_layernorm.bias',
    mlpNorm: 'post_attention_layernorm.weight',
    mlpNormBias: 'post_attention_layernorm.bias',
    o: 'attention.dense.weight',
    oBias: 'attention.dense.bias',
    up: 'mlp.dense_h_to_4h.weight',
    upBias: 'mlp.dense_h_to_4h.bias',
    down: 'mlp.dense_4h_to_h.weight',
    downBias: 'mlp.dense_4h_to_h.bias',
  };
  return ck.readTensor(`${p}${names[role]}`);
}

/** Phi: one input LayerNorm serves attention and MLP; `dense` is O, fc1/fc2 the MLP; the LM head has a bias. */
function expectedPhiWeight(ck: LoadedCheckpoint, role: WeightRole, layer?: number): Float32Array {
  const model: Record<string, string> = {
    embed: 'model.embed_tokens.weight',
    lmHead: 'lm_head.weight',
    lmHeadBias: 'lm_head.bias',
    finalNorm: 'model.final_layernorm.weight',
    finalNormBias: 'model.final_layernorm.bias',
  };
  if (layer === undefined) return ck.readTensor(model[role]!);
  const names: Record<string, string> = {
    attnNorm: 'input_layernorm.weight',
    attnNormBias: 'input_layernorm.bias',
    mlpNorm: 'input_layernorm.weight',
    mlpNormBias: 'input_layernorm.bias',
    q: 'self_attn.q_proj.weight',
    k: 'self_attn.k_proj.weight',
    v: 'self_attn.v_proj.weight',
    qBias: 'self_attn.q_proj.bias',
    kBias: 'self_attn.k_proj.bias',
    vBias: 'self_attn.v_proj.bias',
    o: 'self_attn.dense.weight',
    oBias: 'self_attn.dense.bias',
    up: 'mlp.fc1.weight',
    upBias: 'mlp.fc1.bias',
    down: 'mlp.fc2.weight',
    downBias: 'mlp.fc2.bias',
  };
  return ck.readTensor(`model.layers.${layer}.${names[role]}`);
}

describe('every fixture loads', () => {
  it("finds the repository's own fixtures folder (a missing folder fails, never skips)", () => {
    expect(fs.existsSync(FIXTURES_DIR)).toBe(true);
    expect(path.basename(FIXTURES_DIR)).toBe('fixtures');
    expect(fs.existsSync(path.join(FIXTURES_DIR, '..', 'pnpm-workspace.yaml'))).toBe(true);
  });

  for (const name of allFixtureNames()) {
    describe(name, () => {
      it('exposes exactly the roles its family has, each with the right shape', () => {
        const ck = load(fixtureDir(name));
        const expected = expectedRoles(ck.config);
        const got = new Map(
          ck.roles().map((r) => [roleKey(r.role, r.layer), ck.weightShape(r.role, r.layer)]),
        );
        expect(got).toEqual(expected);
        for (const r of ck.roles()) {
          expect(ck.hasWeight(r.role, r.layer)).toBe(true);
          expect(ck.weight(r.role, r.layer).length).toBe(
            expected.get(roleKey(r.role, r.layer))!.reduce((a, b) => a * b),
          );
        }
      });

      it('weight(role) equals the raw tensors laid out by hand ([out, in], split, tied)', () => {
        const ck = load(fixtureDir(name));
        for (const r of ck.roles())
          expectSameF32(ck.weight(r.role, r.layer), expectedWeight(ck, r.role, r.layer));
      });

      it('materializing weightSource(role) reproduces weight(role) and weightShape(role)', () => {
        const ck = load(fixtureDir(name));
        for (const r of ck.roles()) {
          const source = ck.weightSource(r.role, r.layer);
          expectSameF32(materializeWeightSource(ck, source), ck.weight(r.role, r.layer));
          expect(weightSourceShape(ck, source)).toEqual(ck.weightShape(r.role, r.layer));
        }
      });

      it('lists every tensor of the file and reads them as finite f32', () => {
        const ck = load(fixtureDir(name));
        const names = openSafetensors(path.join(fixtureDir(name), 'model.safetensors')).list();
        expect(ck.listTensors()).toEqual(names);
        for (const t of ck.listTensors()) expect(ck.readTensor(t.name).every(Number.isFinite)).toBe(true);
      });
    });
  }

  it('a tied LM head resolves to the embedding; an untied one to lm_head.weight', () => {
    const tied = load(fixtureDir('llama32-tiny-tied-rope3'));
    expect(tied.weightSource('lmHead')).toEqual({ kind: 'tensor', name: 'model.embed_tokens.weight' });
    expectSameF32(tied.weight('lmHead'), tied.weight('embed'));
    const untied = load(fixtureDir('llama-tiny'));
    expect(untied.weightSource('lmHead')).toEqual({ kind: 'tensor', name: 'lm_head.weight' });
    expect(untied.weight('lmHead')).not.toEqual(untied.weight('embed'));
  });

  it('GPT-2 q/k/v come from c_attn as row ranges of its transpose', () => {
    const ck = load(fixtureDir('gpt2-tiny'));
    expect(ck.weightSource('k', 1)).toEqual({
      kind: 'rows',
      source: { kind: 'transpose', name: 'transformer.h.1.attn.c_attn.weight' },
      start: 64,
      count: 64,
    });
    expect(ck.tensorInfo('transformer.h.1.attn.c_attn.weight').shape).toEqual([64, 192]);
  });
});

describe('role lookups', () => {
  it('hasWeight reflects the family; absent roles are a named error', () => {
    const llama = load(fixtureDir('llama-tiny'));
    expect(llama.hasWeight('qBias', 0)).toBe(false);
    expect(llama.hasWeight('positions')).toBe(false);
    expect(() => llama.weight('positions')).toThrow(UnavailableRoleError);
    const gpt2 = load(fixtureDir('gpt2-tiny'));
    expect(gpt2.hasWeight('positions')).toBe(true);
    expect(gpt2.hasWeight('gate', 0)).toBe(false);
    expect(() => gpt2.weightSource('gate', 0)).toThrow(
      /gpt2 checkpoint has no weight for role 'gate' in layer 0/,
    );
  });

  it('per-layer roles need a layer in range; model roles take none', () => {
    const ck = load(fixtureDir('llama-tiny'));
    expect(() => ck.weight('q')).toThrow(RangeError);
    expect(() => ck.weight('q', 2)).toThrow(RangeError);
    expect(() => ck.weight('embed', 0)).toThrow(RangeError);
  });

  it('readTensor of an unknown name is a MissingTensorError', () => {
    expect(() => load(fixtureDir('llama-tiny')).readTensor('nope')).toThrow(MissingTensorError);
  });
});

describe('checkpoint variants', () => {
  it('GPT-2 tensors saved without the transformer. prefix load the same weights', () => {
    const dir = tempDir();
    copyFixture('gpt2-tiny', dir, (tensors) => {
      for (const [name, t] of [...tensors]) {
        tensors.delete(name);
        tensors.set(name.replace(/^transformer\./, ''), t);
      }
    });
    const stripped = load(dir);
    const original = load(fixtureDir('gpt2-tiny'));
    expect(stripped.weightSource('embed')).toEqual({ kind: 'tensor', name: 'wte.weight' });
    for (const r of original.roles())
      expectSameF32(stripped.weight(r.role, r.layer), original.weight(r.role, r.layer));
  });

  it('a sharded checkpoint (2 shards + index) loads the same weights as the single file', () => {
    const dir = tempDir();
    const f = openSafetensors(path.join(fixtureDir('llama-tiny'), 'model.safetensors'));
    const tensors = new Map<string, WritableTensor>(
      f.list().map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: f.readF32(t.name) }]),
    );
    f.close();
    const shards = writeShardedSafetensors(dir, tensors, { shards: 2 });
    expect(shards).toEqual(['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    fs.copyFileSync(path.join(fixtureDir('llama-tiny'), 'config.json'), path.join(dir, 'config.json'));
    const sharded = load(dir);
    const single = load(fixtureDir('llama-tiny'));
    expect(new Set(sharded.listTensors().map((t) => t.name))).toEqual(
      new Set(single.listTensors().map((t) => t.name)),
    );
    expect(new Set(sharded.listTensors().map((t) => sharded.tensorFile(t.name))).size).toBe(2);
    for (const r of single.roles())
      expectSameF32(sharded.weight(r.role, r.layer), single.weight(r.role, r.layer));
  });

  it('a Qwen2 checkpoint written with the writer has q/k/v biases and no o bias', () => {
    const dir = tempDir();
    const config = {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 32,
      intermediate_size: 48,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      num_hidden_layers: 1,
      vocab_size: 16,
      max_position_embeddings: 64,
      rope_theta: 1e6,
      tie_word_embeddings: true,
      use_sliding_window: false,
    };
    writeJson(path.join(dir, 'config.json'), config);
    const random = (shape: number[]): WritableTensor => ({
      dtype: 'BF16',
      shape,
      fill: (o) => {
        for (let i = 0; i < o.length; i++) o[i] = Math.sin(i);
      },
    });
    const p = 'model.layers.0.';
    writeSafetensors(path.join(dir, 'model.safetensors'), {
      'model.embed_tokens.weight': random([16, 32]),
      'model.norm.weight': random([32]),
      [`${p}input_layernorm.weight`]: random([32]),
      [`${p}post_attention_layernorm.weight`]: random([32]),
      [`${p}self_attn.q_proj.weight`]: random([32, 32]),
      [`${p}self_attn.q_proj.bias`]: random([32]),
      [`${p}self_attn.k_proj.weight`]: random([16, 32]),
      [`${p}self_attn.k_proj.bias`]: random([16]),
      [`${p}self_attn.v_proj.weight`]: random([16, 32]),
      [`${p}self_attn.v_proj.bias`]: random([16]),
      [`${p}self_attn.o_proj.weight`]: random([32, 32]),
      [`${p}mlp.gate_proj.weight`]: random([48, 32]),
      [`${p}mlp.up_proj.weight`]: random([48, 32]),
      [`${p}mlp.down_proj.weight`]: random([32, 48]),
    });
    const ck = load(dir);
    expect(ck.weightShape('kBias', 0)).toEqual([16]);
    expect(ck.hasWeight('oBias', 0)).toBe(false);
    expect(
      new Map(ck.roles().map((r) => [roleKey(r.role, r.layer), ck.weightShape(r.role, r.layer)])),
    ).toEqual(expectedRoles(ck.config));
  });

  it('generation_config.json eos ids win over config.json (what generate() stops on)', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir);
    writeJson(path.join(dir, 'generation_config.json'), { eos_token_id: [2, 7], bos_token_id: 1 });
    expect(load(dir).config.eosTokenIds).toEqual([2, 7]);
    expect(load(fixtureDir('llama-tiny')).config.eosTokenIds).toEqual([2]);
  });
});

describe('bad checkpoints are named errors', () => {
  const folderProblem = (dir: string) => {
    try {
      loadCheckpoint(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(CheckpointFolderError);
      return (e as CheckpointFolderError).missing;
    }
    throw new Error('expected a CheckpointFolderError');
  };

  it('a missing folder, a folder without config.json, and one without safetensors', () => {
    const dir = tempDir();
    expect(folderProblem(path.join(dir, 'nope'))).toBe('folder');
    expect(folderProblem(dir)).toBe('config.json');
    fs.copyFileSync(path.join(fixtureDir('llama-tiny'), 'config.json'), path.join(dir, 'config.json'));
    expect(folderProblem(dir)).toBe('safetensors');
  });

  it('a missing tensor names the tensor, its role and the file', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, (t) => t.delete('model.layers.1.mlp.up_proj.weight'));
    const run = () => loadCheckpoint(dir);
    expect(run).toThrow(MissingTensorError);
    expect(run).toThrow(`missing tensor 'model.layers.1.mlp.up_proj.weight' (role 'up')`);
    expect(run).toThrow(path.join(dir, 'model.safetensors'));
  });

  it('an untied checkpoint without lm_head.weight is a missing tensor', () => {
    const dir = tempDir();
    copyFixture('mistral-tiny-swa', dir, (t) => t.delete('lm_head.weight'));
    expect(() => loadCheckpoint(dir)).toThrow(/'lm_head.weight' \(role 'lmHead'\)/);
  });

  it('a mis-shaped tensor reports expected and actual shapes', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, (t) => {
      const k = t.get('model.layers.0.self_attn.k_proj.weight')!;
      t.set('model.layers.0.self_attn.k_proj.weight', { ...k, shape: [64, 32] });
    });
    try {
      loadCheckpoint(dir);
      throw new Error('expected a TensorShapeError');
    } catch (e) {
      expect(e).toBeInstanceOf(TensorShapeError);
      expect((e as TensorShapeError).expected).toEqual([32, 64]);
      expect((e as TensorShapeError).actual).toEqual([64, 32]);
      expect((e as TensorShapeError).role).toBe('k');
    }
  });

  it('a config whose sizes disagree with the weights is a shape error', () => {
    const dir = tempDir();
    copyFixture('gpt2-tiny', dir, undefined, (c) => ({ ...c, n_inner: 128 }));
    expect(() => loadCheckpoint(dir)).toThrow(TensorShapeError);
  });

  it('an unknown architecture and a malformed config.json', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, undefined, (c) => ({ ...c, model_type: 'falcon' }));
    expect(() => loadCheckpoint(dir)).toThrow(UnsupportedArchitectureError);
    fs.writeFileSync(path.join(dir, 'config.json'), '{ not json');
    expect(() => loadCheckpoint(dir)).toThrow(ConfigError);
    writeJson(path.join(dir, 'config.json'), {
      ...readJson(path.join(fixtureDir('llama-tiny'), 'config.json')),
      vocab_size: -1,
    });
    expect(() => loadCheckpoint(dir)).toThrow(/field 'vocab_size'/);
  });
});

/** Sets one element of a bf16/f16/f32 tensor's bytes to the given raw bits. */
function setBits(t: WritableTensor, index: number, bits: number): WritableTensor {
  if (!('bytes' in t) || t.bytes === undefined) throw new Error('expected raw bytes');
  const bytes = new Uint8Array(t.bytes);
  const view = new DataView(bytes.buffer);
  if (t.dtype === 'F32') view.setUint32(4 * index, bits, true);
  else view.setUint16(2 * index, bits, true);
  return { ...t, bytes };
}

describe('non-finite weights are found at load', () => {
  const nonFinite = (dir: string): NonFiniteWeightError => {
    try {
      loadCheckpoint(dir).close();
    } catch (e) {
      expect(e).toBeInstanceOf(NonFiniteWeightError);
      return e as NonFiniteWeightError;
    }
    throw new Error('expected a NonFiniteWeightError');
  };

  it('one NaN in lm_head row 7 (the issue-12 case that made greedy print 7 7 7 7)', () => {
    const dir = tempDir();
    // llama-tiny's lm_head is bf16 [256, 64]; element [7, 3] gets bf16 NaN (0x7fc0).
    copyFixture('llama-tiny', dir, (t) =>
      t.set('lm_head.weight', setBits(t.get('lm_head.weight')!, 7 * 64 + 3, 0x7fc0)),
    );
    const e = nonFinite(dir);
    expect(e.tensor).toBe('lm_head.weight');
    expect(e.index).toBe(451);
    expect(e.position).toEqual([7, 3]);
    expect(e.value).toBe('NaN');
    expect(e.role).toBe('lmHead');
    expect(e.message).toContain(`${path.join(dir, 'model.safetensors')}: tensor 'lm_head.weight'`);
    expect(e.message).toContain('--no-check-weights');
  });

  it('the first of several bad elements is named, with the layer of a per-layer role', () => {
    const dir = tempDir();
    const name = 'model.layers.1.mlp.down_proj.weight';
    copyFixture('llama-tiny', dir, (t) => {
      const bad = setBits(setBits(t.get(name)!, 900, 0xff80), 17, 0x7f80); // -Inf at 900, +Inf at 17
      t.set(name, bad);
    });
    const e = nonFinite(dir);
    expect([e.tensor, e.index, e.value, e.role]).toEqual([name, 17, 'Inf', 'down.1']);
  });

  it('GPT-2 fused c_attn: the file tensor is named', () => {
    const dir = tempDir();
    const name = 'transformer.h.0.attn.c_attn.weight';
    copyFixture('gpt2-tiny', dir, (t) => {
      const key = t.has(name) ? name : name.replace('transformer.', '');
      t.set(
        key,
        setBits(
          t.get(key)!,
          5,
          t.get(key)!.dtype === 'F32' ? 0xff800000 : t.get(key)!.dtype === 'BF16' ? 0xff80 : 0xfc00,
        ),
      );
    });
    const e = nonFinite(dir);
    expect(e.tensor).toMatch(/h\.0\.attn\.c_attn\.weight$/);
    expect([e.index, e.value]).toEqual([5, '-Inf']);
  });

  it('f32 and f16 weights are scanned too', () => {
    for (const dtype of ['F32', 'F16'] as const) {
      const dir = tempDir();
      copyFixture('llama-tiny', dir, (t) => {
        const norm = t.get('model.norm.weight')!;
        const values = new Float32Array(64).fill(1);
        values[63] = Number.NaN;
        t.set('model.norm.weight', { dtype, shape: norm.shape, data: values });
      });
      const e = nonFinite(dir);
      expect([e.tensor, e.index, e.value, e.role]).toEqual(['model.norm.weight', 63, 'NaN', 'finalNorm']);
    }
  });

  it('checkWeights: false loads the same file, and the NaN reads back', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, (t) =>
      t.set('lm_head.weight', setBits(t.get('lm_head.weight')!, 451, 0x7fc0)),
    );
    const c = loadCheckpoint(dir, { checkWeights: false });
    open.push(c);
    const w = c.weight('lmHead');
    expect(Number.isNaN(w[451])).toBe(true);
    expect(w.filter((x) => Number.isNaN(x))).toHaveLength(1);
  });

  it('every fixture is finite and loads with the scan on', () => {
    for (const name of allFixtureNames()) loadCheckpoint(fixtureDir(name)).close();
  });
});

describe('token ids and layer counts that disagree with the weights', () => {
  it('num_hidden_layers smaller than the layers in the weights is a ConfigError', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, undefined, (c) => ({ ...c, num_hidden_layers: 1 }));
    try {
      loadCheckpoint(dir);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe('num_hidden_layers');
      expect((e as Error).message).toContain('is 1, but the weights hold 2 layers');
      expect((e as Error).message).toContain("'model.layers.1.");
    }
  });

  it('the same for GPT-2 naming (h.N)', () => {
    const dir = tempDir();
    copyFixture('gpt2-tiny', dir, undefined, (c) => ({ ...c, n_layer: 1 }));
    expect(() => loadCheckpoint(dir)).toThrow(/num_hidden_layers.*is 1, but the weights hold 2 layers/);
  });

  it('out-of-range eos_token_id and bos_token_id load with a warning each', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, undefined, (c) => ({ ...c, eos_token_id: 999, bos_token_id: 1000 }));
    const c = load(dir);
    expect(c.warnings).toHaveLength(2);
    expect(c.warnings[0]).toMatch(
      /eos_token_id 999 is outside the vocabulary \[0, 256\); generation never stops/,
    );
    expect(c.warnings[1]).toMatch(/bos_token_id 1000 is outside the vocabulary \[0, 256\)/);
  });

  it('one eos id of several out of range is named as ignored; in-range ids give no warning', () => {
    const dir = tempDir();
    copyFixture('llama-tiny', dir, undefined, (c) => ({ ...c, eos_token_id: [2, 300] }));
    expect(load(dir).warnings).toEqual([expect.stringMatching(/eos_token_id 300 is outside .*; ignored$/)]);
    expect(load(fixtureDir('llama-tiny')).warnings).toEqual([]);
  });
});
