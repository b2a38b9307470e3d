/**
 * generation_config.json: the token ids `transformers`' generate() actually uses. When it names
 * eos/bos ids they win over config.json's (Llama 3.x Instruct stops on three eos ids that only this
 * file lists).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { validate } from './config-validation.js';
import { ConfigError } from './errors.js';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

const tokenId = z.number().int().nonnegative();
const schema = z.looseObject({
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
});

export interface GenerationDefaults {
  readonly bosTokenId?: number;
  readonly eosTokenIds?: readonly number[];
}

/** The bos/eos overrides from `dir`/generation_config.json; empty when the file or keys are absent. */
export function readGenerationDefaults(dir: string): GenerationDefaults {
  const file = path.join(dir, GENERATION_CONFIG_FILE);
  if (!fs.existsSync(file)) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(file, '', `is not valid JSON (${(e as Error).message})`);
  }
  const g = validate(schema, raw, file);
  const out: { bosTokenId?: number; eosTokenIds?: readonly number[] } = {};
  if (g.bos_token_id != null) out.bosTokenId = g.bos_token_id;
  if (g.eos_token_id != null)
    out.eosTokenIds = typeof g.eos_token_id === 'number' ? [g.eos_token_id] : g.eos_token_id;
  return out;
}
