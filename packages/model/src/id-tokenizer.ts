/**
 * The tokenizer of a checkpoint folder that has no tokenizer.json and a vocabulary that is not bytes:
 * token ids still work (`--ids`, and output printed as ids), text does not. Encoding text throws the
 * TokenizerError that says why, so nothing is silently tokenized some other way.
 */
import { TokenizerError } from './errors.js';
import type { StreamDecoder, TextTokenizer } from './tokenizer.js';

export class IdTokenizer implements TextTokenizer {
  readonly kind = 'ids';
  readonly chatTemplate = null;
  readonly specialTokens = {};

  constructor(
    readonly vocabSize: number,
    /** Why text cannot be encoded (names the folder and the missing file). */
    private readonly why: string,
  ) {}

  encode(): number[] {
    throw new TokenizerError(`${this.why}; give the prompt as token ids (--ids)`);
  }

  /** Ids as text, each followed by a space: `12 7 99 `. */
  decode(ids: readonly number[]): string {
    return ids.map((id) => `${id} `).join('');
  }

  decodeStream(): StreamDecoder {
    return { push: (id) => `${id} `, flush: () => '' };
  }
}
