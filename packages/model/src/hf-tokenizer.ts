/**
 * tokenizer.json (+ tokenizer_config.json) through @huggingface/tokenizers, with the chat template and
 * special tokens the config declares, and a stream decoder for token-by-token generation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { TokenizerError } from './errors.js';
import type {
  DecodeOptions,
  EncodeOptions,
  SpecialToken,
  SpecialTokens,
  StreamDecoder,
  TextTokenizer,
} from './tokenizer.js';

type TokenizerConfig = Record<string, unknown>;

export class HuggingFaceTokenizer implements TextTokenizer {
  readonly kind = 'huggingface';
  readonly vocabSize: number;
  readonly specialTokens: SpecialTokens;

  private constructor(
    private readonly tokenizer: Tokenizer,
    config: TokenizerConfig,
    readonly chatTemplate: string | null,
  ) {
    let maxId = -1;
    for (const id of tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const special = (key: string): SpecialToken | undefined => {
      const content = tokenContent(config[key]);
      return content === undefined ? undefined : { content, id: tokenizer.token_to_id(content) };
    };
    const entries = {
      bos: special('bos_token'),
      eos: special('eos_token'),
      unk: special('unk_token'),
      pad: special('pad_token'),
    };
    this.specialTokens = Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  }

  /** Reads tokenizer.json, tokenizer_config.json (optional) and chat_template.jinja (optional) in `dir`. */
  static load(dir: string): HuggingFaceTokenizer {
    const json = readJson(path.join(dir, 'tokenizer.json')) as object;
    const configFile = path.join(dir, 'tokenizer_config.json');
    const config = (fs.existsSync(configFile) ? readJson(configFile) : {}) as TokenizerConfig;
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (e) {
      throw new TokenizerError(`${dir}: tokenizer.json is not usable (${(e as Error).message})`);
    }
    return new HuggingFaceTokenizer(tokenizer, config, chatTemplate(dir, config));
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    // The library refuses an empty list; an empty sequence is simply no text.
    if (ids.length === 0) return '';
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  /**
   * Decodes a window of recent ids twice (without and with the new ones) and emits the difference,
   * so byte-level tokens that split a character and decoders that strip a leading space both work.
   */
  decodeStream(options: DecodeOptions = {}): StreamDecoder {
    const ids: number[] = [];
    let prefix = 0; // start of the window that is decoded for context
    let read = 0; // ids before this are already emitted
    const text = (from: number, to: number) =>
      from >= to
        ? ''
        : this.tokenizer.decode(ids.slice(from, to), {
            skip_special_tokens: options.skipSpecialTokens ?? false,
            // Clean-up rewrites across the window edge (" ." → "."), which would break the diff.
            clean_up_tokenization_spaces: false,
          });
    return {
      push: (id) => {
        ids.push(id);
        const before = text(prefix, read);
        const after = text(prefix, ids.length);
        if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
        prefix = read;
        read = ids.length;
        return after.slice(before.length);
      },
      flush: () => {
        const rest = text(prefix, ids.length).slice(text(prefix, read).length);
        prefix = read = ids.length;
        return rest;
      },
    };
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TokenizerError(`${file}: not readable JSON (${(e as Error).message})`);
  }
}

/** Special tokens appear as a string or as a serialised AddedToken `{content: ...}`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string'
  ) {
    return (value as { content: string }).content;
  }
  return undefined;
}

/**
 * `chat_template` is a string, or a list of `{name, template}` (the one named "default" is the chat
 * template); newer `transformers` saves it to chat_template.jinja instead.
 */
function chatTemplate(dir: string, config: TokenizerConfig): string | null {
  const t = config.chat_template;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t as { name?: unknown; template?: unknown }[];
    const chosen = named.find((x) => x.name === 'default') ?? named[0];
    if (typeof chosen?.template === 'string') return chosen.template;
  }
  const jinja = path.join(dir, 'chat_template.jinja');
  return fs.existsSync(jinja) ? fs.readFileSync(jinja, 'utf8') : null;
}
