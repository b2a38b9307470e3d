/**
 * Writes a random-weight Hugging Face checkpoint folder shaped like a preset (Llama-3.2-1B by default):
 * config.json in the published checkpoint's dialect (transformers 4: rope_theta + rope_scaling),
 * generation_config.json, and bf16 weights under transformers' tensor names in one model.safetensors
 * (or --shards N files with an index), streamed chunk by chunk so the memory stays small. No
 * tokenizer: `megakernel bench` reads only the checkpoint. After writing, the folder is opened with
 * loadCheckpoint and its parsed config compared with the intended one.
 *
 * Weights as gpu/bench.ts's fillRandomWeights makes them on the device: matrices (the embedding too)
 * uniform in ±1/sqrt(in), norm weights 1 ± 0.02, so the figures compare with the preset benchmark.
 *
 * Usage: node .device/write-checkpoint.mjs <outDir> [--preset llama-3.2-1b] [--seed N] [--shards N]
 *   [--layers N] [--hidden N] [--intermediate N] [--vocab N] [--heads N] [--kv-heads N] [--head-dim N]
 *   [--max-positions N]
 * With --hidden and no --heads, heads = hidden / head_dim (the preset's head_dim), kv heads keep the
 * preset's ratio and intermediate = 4 × hidden unless given: `--layers 2 --hidden 256 --vocab 1024`
 * is a quick small model.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PRESET_NAMES, preset, type RuntimeModelConfig } from '@megakernel/isa';
import {
  loadCheckpoint,
  type WritableTensor,
  writeSafetensors,
  writeShardedSafetensors,
} from '@megakernel/model';

const USAGE =
  'usage: write-checkpoint <outDir> [--preset NAME] [--seed N] [--shards N] [--layers N] [--hidden N] ' +
  '[--intermediate N] [--vocab N] [--heads N] [--kv-heads N] [--head-dim N] [--max-positions N]';
const FLAGS = [
  'preset',
  'seed',
  'shards',
  'layers',
  'hidden',
  'intermediate',
  'vocab',
  'heads',
  'kv-heads',
  'head-dim',
  'max-positions',
] as const;
type Flag = (typeof FLAGS)[number];

function fail(message: string): never {
  process.stderr.write(`write-checkpoint: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): { outDir: string; flags: Partial<Record<Flag, string>> } {
  const flags: Partial<Record<Flag, string>> = {};
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\npresets: ${PRESET_NAMES.join(', ')}\n`);
      process.exit(0);
    }
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      if (!(FLAGS as readonly string[]).includes(name)) fail(`unknown flag --${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) fail(`--${name} needs a value`);
      flags[name as Flag] = value;
    } else if (outDir === undefined) outDir = a;
    else fail(`unexpected argument '${a}'`);
  }
  if (outDir === undefined) fail('no output folder given');
  return { outDir, flags };
}

function positive(flags: Partial<Record<Flag, string>>, name: Flag): number | undefined {
  const s = flags[name];
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n <= 0) fail(`--${name} must be a positive integer, got '${s}'`);
  return n;
}

/** The preset with the size flags applied. */
function modelConfig(flags: Partial<Record<Flag, string>>): RuntimeModelConfig {
  const name = flags.preset ?? 'llama-3.2-1b';
  let base: RuntimeModelConfig;
  try {
    base = preset(name);
  } catch (e) {
    fail((e as Error).message);
  }
  if (base.architecture !== 'llama' && base.architecture !== 'mistral') {
    fail(`preset '${name}' is a ${base.architecture} model; only llama and mistral presets are written`);
  }
  const hidden = positive(flags, 'hidden');
  const headDim = positive(flags, 'head-dim') ?? base.headDim;
  const heads =
    positive(flags, 'heads') ?? (hidden === undefined ? base.numHeads : Math.max(1, hidden / headDim));
  if (!Number.isInteger(heads))
    fail(`--hidden ${hidden} is not a multiple of head_dim ${headDim}; give --heads`);
  const groups = base.numHeads / base.numKvHeads;
  const kvHeads = positive(flags, 'kv-heads') ?? Math.max(1, Math.floor(heads / groups));
  if (heads % kvHeads !== 0) fail(`${heads} heads do not split into ${kvHeads} kv heads`);
  const hiddenSize = hidden ?? base.hiddenSize;
  const vocabSize = positive(flags, 'vocab') ?? base.vocabSize;
  const maxPositionEmbeddings = positive(flags, 'max-positions') ?? base.maxPositionEmbeddings;
  // Special tokens outside a smaller vocabulary would only draw warnings: move them to its end.
  const inVocab = (t: number) => t < vocabSize;
  const eosTokenIds = base.eosTokenIds.every(inVocab) ? base.eosTokenIds : [vocabSize - 1];
  const bosTokenId =
    base.bosTokenId === null || inVocab(base.bosTokenId) ? base.bosTokenId : Math.max(0, vocabSize - 2);
  let ropeScaling = base.ropeScaling;
  if (ropeScaling.type === 'llama3' && ropeScaling.originalMaxPositionEmbeddings > maxPositionEmbeddings) {
    ropeScaling = { ...ropeScaling, originalMaxPositionEmbeddings: maxPositionEmbeddings };
  }
  return {
    ...base,
    numLayers: positive(flags, 'layers') ?? base.numLayers,
    hiddenSize,
    intermediateSize:
      positive(flags, 'intermediate') ?? (hidden === undefined ? base.intermediateSize : 4 * hidden),
    vocabSize,
    numHeads: heads,
    numKvHeads: kvHeads,
    headDim,
    maxPositionEmbeddings,
    ropeScaling,
    attentionScale: 1 / Math.sqrt(headDim),
    bosTokenId,
    eosTokenIds,
  };
}

/** config.json as the published checkpoints of the family write it (transformers 4 dialect). */
function hfConfig(c: RuntimeModelConfig): Record<string, unknown> {
  const mistral = c.architecture === 'mistral';
  const rope = c.ropeScaling;
  let ropeScaling: Record<string, unknown> | null;
  if (rope.type === 'none') ropeScaling = null;
  else if (rope.type === 'llama3') {
    ropeScaling = {
      factor: rope.factor,
      high_freq_factor: rope.highFreqFactor,
      low_freq_factor: rope.lowFreqFactor,
      original_max_position_embeddings: rope.originalMaxPositionEmbeddings,
      rope_type: 'llama3',
    };
  } else if (rope.type === 'linear') ropeScaling = { factor: rope.factor, rope_type: 'linear' };
  else fail(`rope scaling '${rope.type}' is not written by this tool`);
  const eos = c.eosTokenIds.length === 1 ? c.eosTokenIds[0] : [...c.eosTokenIds];
  return {
    architectures: [mistral ? 'MistralForCausalLM' : 'LlamaForCausalLM'],
    attention_bias: c.qkvBias,
    attention_dropout: 0.0,
    bos_token_id: c.bosTokenId,
    eos_token_id: eos,
    head_dim: c.headDim,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    ...(mistral ? {} : { mlp_bias: c.mlpBias, pretraining_tp: 1 }),
    model_type: mistral ? 'mistral' : 'llama',
    num_attention_heads: c.numHeads,
    num_hidden_layers: c.numLayers,
    num_key_value_heads: c.numKvHeads,
    rms_norm_eps: c.normEps,
    rope_scaling: ropeScaling,
    rope_theta: c.ropeTheta,
    ...(mistral ? { sliding_window: c.slidingWindow } : {}),
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: 'bfloat16',
    transformers_version: '4.45.0',
    use_cache: true,
    vocab_size: c.vocabSize,
  };
}

/** FNV-1a of the tensor name mixed with the seed: each tensor has its own stream. */
function tensorSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0 || 1;
}

/** Uniform values in center ± scale from a xorshift32 stream, chunk after chunk (the writer's `fill`). */
function uniformFill(seed: number, center: number, scale: number): (out: Float32Array) => void {
  let x = seed;
  // 2^-23 maps the top 24 bits to [0, 2); minus 1 gives [-1, 1).
  const k = scale * 2 ** -23;
  const c = center - scale;
  return (out) => {
    for (let i = 0; i < out.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = c + (x >>> 8) * k;
    }
  };
}

interface Planned {
  readonly name: string;
  readonly shape: readonly number[];
  readonly kind: 'matrix' | 'norm';
}

/** transformers' Llama/Mistral tensor names in its save order: embedding, layer by layer, final norm, head. */
function plan(c: RuntimeModelConfig): Planned[] {
  const h = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const i = c.intermediateSize;
  const out: Planned[] = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, h], kind: 'matrix' }];
  for (let l = 0; l < c.numLayers; l++) {
    const p = `model.layers.${l}.`;
    out.push(
      { name: `${p}self_attn.q_proj.weight`, shape: [q, h], kind: 'matrix' },
      { name: `${p}self_attn.k_proj.weight`, shape: [kv, h], kind: 'matrix' },
      { name: `${p}self_attn.v_proj.weight`, shape: [kv, h], kind: 'matrix' },
      { name: `${p}self_attn.o_proj.weight`, shape: [h, q], kind: 'matrix' },
      { name: `${p}mlp.gate_proj.weight`, shape: [i, h], kind: 'matrix' },
      { name: `${p}mlp.up_proj.weight`, shape: [i, h], kind: 'matrix' },
      { name: `${p}mlp.down_proj.weight`, shape: [h, i], kind: 'matrix' },
      { name: `${p}input_layernorm.weight`, shape: [h], kind: 'norm' },
      { name: `${p}post_attention_layernorm.weight`, shape: [h], kind: 'norm' },
    );
  }
  out.push({ name: 'model.norm.weight', shape: [h], kind: 'norm' });
  // Tied checkpoints (Llama-3.2-1B) carry no lm_head.weight: the embedding is the head.
  if (!c.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, h], kind: 'matrix' });
  return out;
}

const fmtBytes = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

/** The parsed config's fields that differ from the intended ones (JSON-compared). */
function configDifferences(want: RuntimeModelConfig, got: RuntimeModelConfig): string[] {
  const diffs: string[] = [];
  const g = got as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) {
    const a = JSON.stringify(v);
    const b = JSON.stringify(g[k]);
    if (
      a !== b &&
      !(typeof v === 'number' && typeof g[k] === 'number' && Math.abs(v - (g[k] as number)) < 1e-12)
    )
      diffs.push(`${k}: wrote ${a}, reads back ${b}`);
  }
  return diffs;
}

function main(): void {
  const { outDir, flags } = parseArgs(process.argv.slice(2));
  const seed = Number(flags.seed ?? '1');
  if (!Number.isSafeInteger(seed)) fail(`--seed must be an integer, got '${flags.seed}'`);
  const shards = positive(flags, 'shards') ?? 1;
  const config = modelConfig(flags);
  const t0 = performance.now();
  const log = (s: string) =>
    process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${s}\n`);

  fs.mkdirSync(outDir, { recursive: true });
  // A previous run's weights in another layout would confuse the loader: clear them.
  for (const f of fs.readdirSync(outDir)) {
    if (f.endsWith('.safetensors') || f === 'model.safetensors.index.json') fs.rmSync(path.join(outDir, f));
  }
  let bytes = 0;
  const writeJson = (file: string, value: unknown) => {
    const text = `${JSON.stringify(value, null, 2)}\n`;
    fs.writeFileSync(path.join(outDir, file), text);
    bytes += Buffer.byteLength(text);
  };
  writeJson('config.json', hfConfig(config));
  writeJson('generation_config.json', {
    ...(config.bosTokenId === null ? {} : { bos_token_id: config.bosTokenId }),
    eos_token_id: config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : [...config.eosTokenIds],
    transformers_version: '4.45.0',
  });

  const planned = plan(config);
  const elements = planned.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0);
  log(
    `${outDir}: ${config.architecture}, ${config.numLayers} layers, hidden ${config.hiddenSize}, ` +
      `${config.numHeads}/${config.numKvHeads} heads of ${config.headDim}, intermediate ${config.intermediateSize}, ` +
      `vocab ${config.vocabSize}, ${config.tieWordEmbeddings ? 'tied' : 'untied'}; ` +
      `${planned.length} tensors, ${(elements / 1e6).toFixed(1)} M parameters, ${fmtBytes(2 * elements)} in bf16, seed ${seed}`,
  );
  let done = 0;
  let nextReport = 0;
  const tensors = new Map<string, WritableTensor>();
  for (const t of planned) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    const fillNext =
      t.kind === 'norm'
        ? uniformFill(tensorSeed(seed, t.name), 1, 0.02)
        : uniformFill(tensorSeed(seed, t.name), 0, 1 / Math.sqrt(t.shape[t.shape.length - 1]!));
    tensors.set(t.name, {
      dtype: 'BF16',
      shape: t.shape,
      fill: (out, start) => {
        fillNext(out);
        if (start + out.length < count) return;
        done += count;
        // About every 5% of the parameters, and at the end.
        if (done >= nextReport || done === elements) {
          const s = (performance.now() - t0) / 1000;
          log(
            `${t.name} done: ${fmtBytes(2 * done)} of ${fmtBytes(2 * elements)} (${((100 * done) / elements).toFixed(0)}%, ` +
              `${((2 * done) / 1e6 / Math.max(s, 1e-3)).toFixed(0)} MB/s)`,
          );
          nextReport = done + elements / 20;
        }
      },
    });
  }
  const metadata = { format: 'pt' };
  if (shards > 1) {
    const names = writeShardedSafetensors(outDir, tensors, { shards, metadata });
    for (const n of names) bytes += fs.statSync(path.join(outDir, n)).size;
    bytes += fs.statSync(path.join(outDir, 'model.safetensors.index.json')).size;
  } else {
    bytes += writeSafetensors(path.join(outDir, 'model.safetensors'), tensors, { metadata });
  }
  log(`weights written`);

  // Read it back as the CLI will (headers and bindings only) and compare the config.
  const checkpoint = loadCheckpoint(outDir, { checkWeights: false });
  try {
    const diffs = configDifferences(config, checkpoint.config);
    if (diffs.length > 0) {
      process.stderr.write(
        `write-checkpoint: the written config reads back differently:\n  ${diffs.join('\n  ')}\n`,
      );
      process.exit(1);
    }
    for (const w of checkpoint.warnings) log(`warning: ${w}`);
  } finally {
    checkpoint.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`checked: loadCheckpoint reads the intended config and binds every weight`);
  process.stderr.write(
    `write-checkpoint: ${bytes} bytes (${fmtBytes(bytes)}) written to ${outDir} in ${seconds.toFixed(1)} s\n`,
  );
}

main();
