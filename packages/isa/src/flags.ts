/**
 * Flag bits of the instruction's flags byte: one meaning per opcode family (each op's descriptor
 * names the bits it reads), and the activation codes of the fused MLP input.
 */
export const FLAG_NORM_LAYER = 0x01; // fused-norm ops: LayerNorm (mean-centred) instead of RMSNorm
export const FLAG_NORM_NO_WEIGHT = 0x02; // norms: no gamma (normParams absent)
export const FLAG_GATED = 0x04; // fused MLP input: act(gate) * up instead of act(up)
export const FLAG_ACTIVATION_MASK = 0x30; // fused MLP input: activation kind, see ACTIVATION_CODES
export const FLAG_ACCUMULATE = 0x01; // linear: y += W·x instead of y = W·x
export const FLAG_SPLIT_K = 0x02; // linear + residual: other instructions add into the same rows (GPU: atomics)
export const FLAG_HEAD_NORM_JOINT = 0x01; // head norm: one RMSNorm over all the heads of the range
export const FLAG_ATTN_DIRECT = 0x01; // attention partial: single chunk, write the final output
export const FLAG_EMBED_FROM_ARGMAX = 0x01; // embed: a negative token takes the previous position's argmax

export const ACTIVATION_CODES = { silu: 0, gelu: 1, gelu_tanh: 2, relu: 3 } as const;
export const ACTIVATION_SHIFT = 4;
export const FLAG_MOE_WEIGHTED = 0x02; // expert linear: multiply the product by the slot's routing weight
export const FLAG_MOE_NORMALIZE = 0x01; // routing: renormalise the chosen experts' probabilities to sum 1
