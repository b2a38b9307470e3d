/** Where a model comes from: a checkpoint folder, or 'default' for the embedded Moby-Dick byte model. */
import { defaultModelDir } from '@megakernel/default-model';
import {
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  loadCheckpoint,
  loadTokenizer,
  type TextTokenizer,
} from '@megakernel/model';

export const DEFAULT_MODEL = 'default';

export interface LoadedModel {
  readonly dir: string;
  readonly checkpoint: LoadedCheckpoint;
  readonly tokenizer: TextTokenizer;
}

/** The folder a model argument names ('default' is the embedded model). */
export function resolveModelDir(model: string): string {
  return model === DEFAULT_MODEL ? defaultModelDir() : model;
}

/**
 * Opens the checkpoint (headers, and the NaN/Inf scan of its weights unless `checkWeights` is false;
 * the backend reads the weights for real) and its tokenizer.
 */
export function loadModel(model: string, options: LoadCheckpointOptions = {}): LoadedModel {
  const dir = resolveModelDir(model);
  const checkpoint = loadCheckpoint(dir, options);
  try {
    return { dir, checkpoint, tokenizer: loadTokenizer(dir) };
  } catch (e) {
    checkpoint.close();
    throw e;
  }
}
