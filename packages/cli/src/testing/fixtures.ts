/** Checkpoints for CLI tests: the transformers fixtures, and broken folders made on the fly. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './built-cli.js';
import { tempPath } from './temp.js';

/** Every fixture folder of the repository's fixtures/ (a missing folder throws: tests never skip). */
export function fixtureDirs(): string[] {
  const root = path.join(REPO_ROOT, 'fixtures');
  if (!fs.existsSync(root)) throw new Error(`fixtures folder ${root} is missing`);
  return fs
    .readdirSync(root)
    .map((name) => path.join(root, name))
    .filter((dir) => fs.existsSync(path.join(dir, 'config.json')))
    .sort();
}

/** A fresh temporary folder holding `files` (name → contents). */
export function tempCheckpoint(files: Record<string, string | Uint8Array>): string {
  const dir = path.dirname(tempPath('config.json'));
  for (const [name, contents] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), contents);
  return dir;
}

const fixtureConfig = (): string => fs.readFileSync(path.join(fixtureDirs()[0]!, 'config.json'), 'utf8');

/** A valid config.json with a model.safetensors that is not one (its header length runs past the end). */
export function corruptSafetensorsCheckpoint(): string {
  const bytes = new Uint8Array(64);
  new DataView(bytes.buffer).setBigUint64(0, 1_000_000n, true);
  return tempCheckpoint({ 'config.json': fixtureConfig(), 'model.safetensors': bytes });
}

/** A BERT config.json: an architecture megakernel does not lower. */
export function unsupportedArchitectureCheckpoint(): string {
  const config = {
    architectures: ['BertForMaskedLM'],
    model_type: 'bert',
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 128,
    vocab_size: 256,
  };
  return tempCheckpoint({ 'config.json': JSON.stringify(config), 'model.safetensors': new Uint8Array(8) });
}
