/**
 * What one token must move, from the config alone (no program): every weight once (of a mixture of
 * experts, the router and the topK chosen experts only), plus the KV cache rows attention reads at a
 * given context and the row it appends. The independent yardstick the compiled program's byte count is
 * checked against.
 */
import { kvDim, layerWindow, qDim, qkvDim, type RuntimeModelConfig } from '@megakernel/isa';

export interface TokenTraffic {
  readonly weights: number;
  readonly kv: number;
}

const BF16 = 2;

export function expectedTokenTraffic(
  config: RuntimeModelConfig,
  context: number,
  kvBytes: 2 | 4,
): TokenTraffic {
  const h = config.hiddenSize;
  const i = config.intermediateSize;
  const norm = (config.normBias ? 2 : 1) * h;
  const mlp = ((config.mlpGated ? 2 : 1) * i * h + h * i) * (config.moe?.topK ?? 1);
  const router = config.moe === null ? 0 : config.moe.numExperts * h;
  const perLayer =
    qkvDim(config) * h +
    h * qDim(config) +
    mlp +
    router +
    2 * norm +
    (config.qkvBias ? qkvDim(config) : 0) +
    (config.oBias ? h : 0) +
    (config.mlpBias ? (config.mlpGated ? 2 : 1) * i + h : 0);
  const model =
    config.vocabSize * h + // LM head (the embedding itself when tied)
    h + // the gathered embedding row
    (config.position === 'learned' ? h : 0) + // the learned position row
    norm + // final norm
    (config.lmHeadBias ? config.vocabSize : 0);
  const weights = (config.numLayers * perLayer + model) * BF16;
  // K and V: each layer's visible rows are read, the current token's row is also written.
  let rows = 0;
  for (let l = 0; l < config.numLayers; l++) {
    const window = layerWindow(config, l);
    rows += (window !== null ? Math.min(context, window) : context) + 1;
  }
  const kv = 2 * rows * kvDim(config) * kvBytes;
  return { weights, kv };
}
