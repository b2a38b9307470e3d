import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the bundled Hugging Face folder (config.json, model.safetensors in bf16; byte-level,
 * vocabulary 256, no tokenizer.json). Resolved from this module so it works from src and from dist.
 */
export function defaultModelDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = join(here, '..', 'model');
  if (!existsSync(join(dir, 'config.json'))) {
    throw new Error(`the default model is missing from ${dir}; reinstall @megakernel/default-model`);
  }
  return dir;
}

/** What the default model is, for help texts and `doctor`. */
export const DEFAULT_MODEL_DESCRIPTION =
  'byte-level Llama (6 layers, hidden 256, 8 q / 4 kv heads, 4.4 M parameters) trained on Moby-Dick';
