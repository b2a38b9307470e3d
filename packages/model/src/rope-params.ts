/**
 * RoPE settings from config.json in both dialects:
 * - transformers 5: `rope_parameters: { rope_theta, rope_type, factor, low_freq_factor, ... }`;
 * - transformers 4 (most published checkpoints): `rope_theta` at the top level and scaling under
 *   `rope_scaling: { rope_type | type, factor, ... }` (or null).
 */
import type { RopeScaling } from '@megakernel/isa';
import { z } from 'zod';
import { required, validate } from './config-validation.js';
import { ConfigError } from './errors.js';

export interface RopeSettings {
  readonly theta: number;
  readonly scaling: RopeScaling;
  readonly partialRotaryFactor: number;
}

export const SUPPORTED_ROPE_TYPES = ['default', 'linear', 'llama3', 'longrope'] as const;

const ropeBlock = z.looseObject({
  rope_theta: z.number().positive().optional(),
  rope_type: z.string().optional(),
  /** transformers < 4.43 spelled `rope_type` as `type`. */
  type: z.string().optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: z.number().int().positive().optional(),
  partial_rotary_factor: z.number().gt(0).lte(1).optional(),
  short_factor: z.array(z.number().positive()).optional(),
  long_factor: z.array(z.number().positive()).optional(),
  attention_factor: z.number().positive().nullish(),
});

const topLevel = z.looseObject({
  rope_theta: z.number().positive().optional(),
  rope_scaling: ropeBlock.nullish(),
  rope_parameters: ropeBlock.nullish(),
  partial_rotary_factor: z.number().gt(0).lte(1).optional(),
  max_position_embeddings: z.number().int().positive().optional(),
  original_max_position_embeddings: z.number().int().positive().optional(),
});

/** Reads RoPE settings; `defaultTheta` applies when neither dialect names a base. */
export function parseRopeSettings(raw: unknown, file: string, defaultTheta: number): RopeSettings {
  const top = validate(topLevel, raw, file);
  // transformers 5 writes everything under rope_parameters; 4.x splits theta and scaling.
  const block = top.rope_parameters ?? top.rope_scaling ?? {};
  const blockName = top.rope_parameters != null ? 'rope_parameters' : 'rope_scaling';
  const theta = top.rope_parameters?.rope_theta ?? top.rope_theta ?? defaultTheta;
  const partialRotaryFactor = block.partial_rotary_factor ?? top.partial_rotary_factor ?? 1;

  const typeField = block.rope_type !== undefined ? 'rope_type' : 'type';
  // Phi-3's first configs called LongRoPE "su"; transformers reads it as "longrope".
  const named = block.rope_type ?? block.type ?? 'default';
  const type = named === 'su' ? 'longrope' : named;
  const field = (name: string) => `${blockName}.${name}`;
  let scaling: RopeScaling;
  switch (type) {
    case 'default':
      scaling = { type: 'none' };
      break;
    case 'linear':
      scaling = { type: 'linear', factor: required(block.factor, file, field('factor')) };
      break;
    case 'llama3':
      scaling = {
        type: 'llama3',
        factor: required(block.factor, file, field('factor')),
        lowFreqFactor: required(block.low_freq_factor, file, field('low_freq_factor')),
        highFreqFactor: required(block.high_freq_factor, file, field('high_freq_factor')),
        originalMaxPositionEmbeddings: required(
          block.original_max_position_embeddings,
          file,
          field('original_max_position_embeddings'),
        ),
      };
      if (scaling.highFreqFactor <= scaling.lowFreqFactor) {
        throw new ConfigError(file, field('high_freq_factor'), 'must be greater than low_freq_factor');
      }
      break;
    case 'longrope':
      scaling = longRope(top, block, file, field);
      break;
    default:
      throw new ConfigError(
        file,
        field(typeField),
        `unsupported RoPE type '${type}'; supported: ${SUPPORTED_ROPE_TYPES.join(', ')}`,
      );
  }
  return { theta, scaling, partialRotaryFactor };
}

/**
 * LongRoPE as transformers computes it: the original context from config.json's top level (Phi-3 puts it
 * there) or the RoPE block; factor = rope_parameters.factor (transformers 5) or else max / original
 * context when the original is given, else the block's `factor`; attention_factor, when absent, sqrt(1 + ln(factor) / ln(original)) (1 for factor <= 1). The
 * factor lists' lengths are checked against the rotary dims by the ISA's config validation.
 */
function longRope(
  top: z.output<typeof topLevel>,
  block: z.output<typeof ropeBlock>,
  file: string,
  field: (name: string) => string,
): RopeScaling {
  const shortFactor = required(block.short_factor, file, field('short_factor'));
  const longFactor = required(block.long_factor, file, field('long_factor'));
  if (shortFactor.length !== longFactor.length) {
    throw new ConfigError(
      file,
      field('long_factor'),
      `has ${longFactor.length} entries, short_factor ${shortFactor.length}`,
    );
  }
  const given = top.original_max_position_embeddings ?? block.original_max_position_embeddings;
  const max = required(top.max_position_embeddings, file, 'max_position_embeddings');
  const original = given ?? max;
  // transformers 5 takes rope_parameters.factor when given; transformers 4 the ratio of the contexts.
  const v5Factor = top.rope_parameters != null ? block.factor : undefined;
  const factor =
    v5Factor ?? (given !== undefined ? max / given : required(block.factor, file, field('factor')));
  const attentionFactor =
    block.attention_factor ?? (factor <= 1 ? 1 : Math.sqrt(1 + Math.log(factor) / Math.log(original)));
  return {
    type: 'longrope',
    factor,
    shortFactor,
    longFactor,
    originalMaxPositionEmbeddings: original,
    attentionFactor,
  };
}
