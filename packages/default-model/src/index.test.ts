import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultModelDir } from './index.js';

describe('default model', () => {
  it('ships a Llama config and bf16 weights under 20 MB', () => {
    const dir = defaultModelDir();
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(config.model_type).toBe('llama');
    expect(config.vocab_size).toBe(256);
    const bytes = statSync(join(dir, 'model.safetensors')).size;
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
    // 2 bytes per parameter plus a small JSON header.
    const header = Number(readFileSync(join(dir, 'model.safetensors')).readBigUInt64LE(0));
    expect(bytes - 8 - header).toBeGreaterThan(4_000_000 * 2);
  });
});
