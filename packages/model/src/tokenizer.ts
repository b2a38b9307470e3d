/**
 * Text ↔ token ids for a checkpoint folder: tokenizer.json through @huggingface/tokenizers when the
 * folder has one, else byte-level ids (id = byte value) for vocab-256 models such as the fixtures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ByteTokenizer } from './byte-tokenizer.js';
import { TokenizerError } from './errors.js';
import { HuggingFaceTokenizer } from './hf-tokenizer.js';
import { IdTokenizer } from './id-tokenizer.js';

export interface SpecialToken {
  readonly content: string;
  /** Undefined when the vocabulary does not hold the token. */
  readonly id: number | undefined;
}

export interface SpecialTokens {
  readonly bos?: SpecialToken;
  readonly eos?: SpecialToken;
  readonly unk?: SpecialToken;
  readonly pad?: SpecialToken;
}

export interface EncodeOptions {
  /** Add the tokenizer's template tokens (e.g. BOS); default true, as in `transformers`. */
  readonly addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  readonly skipSpecialTokens?: boolean;
}

/** Turns generated ids into text as they arrive, holding back bytes of an unfinished character. */
export interface StreamDecoder {
  /** Text completed by this id ('' while a multi-byte character is still open). */
  push(id: number): string;
  /** Whatever is still held back (invalid bytes decode to U+FFFD). */
  flush(): string;
}

export interface TextTokenizer {
  /** 'ids' when the folder has no tokenizer: ids in and out, text refused (IdTokenizer). */
  readonly kind: 'huggingface' | 'bytes' | 'ids';
  /** One past the largest id the tokenizer can produce (added tokens included). */
  readonly vocabSize: number;
  /** tokenizer_config.json's chat_template (or chat_template.jinja), null when there is none. */
  readonly chatTemplate: string | null;
  readonly specialTokens: SpecialTokens;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  decodeStream(options?: DecodeOptions): StreamDecoder;
}

export interface LoadTokenizerOptions {
  /** Vocabulary size for the byte-level fallback when the folder has no config.json. */
  readonly vocabSize?: number;
}

export const TOKENIZER_FILE = 'tokenizer.json';

/**
 * Loads the tokenizer of a checkpoint folder (synchronously): tokenizer.json; else bytes for a
 * vocabulary of 256 (callers should say so: `kind === 'bytes'`); else ids only (`kind === 'ids'`),
 * which encodes no text. Throws only for a folder whose vocabulary size is unknown.
 */
export function loadTokenizer(dir: string, options: LoadTokenizerOptions = {}): TextTokenizer {
  if (fs.existsSync(path.join(dir, TOKENIZER_FILE))) return HuggingFaceTokenizer.load(dir);
  const vocabSize = options.vocabSize ?? configVocabSize(dir);
  if (vocabSize === ByteTokenizer.VOCAB_SIZE) return new ByteTokenizer();
  const why =
    `${dir}: no ${TOKENIZER_FILE}, and the byte-level fallback needs a vocabulary of 256 ` +
    `(this model has ${vocabSize ?? 'an unknown vocabulary size'})`;
  if (vocabSize === undefined) throw new TokenizerError(why);
  return new IdTokenizer(vocabSize, why);
}

function configVocabSize(dir: string): number | undefined {
  const file = path.join(dir, 'config.json');
  if (!fs.existsSync(file)) return undefined;
  try {
    const vocab = (JSON.parse(fs.readFileSync(file, 'utf8')) as { vocab_size?: unknown }).vocab_size;
    return typeof vocab === 'number' ? vocab : undefined;
  } catch {
    return undefined;
  }
}
