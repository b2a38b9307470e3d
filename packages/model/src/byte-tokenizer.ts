/**
 * The byte-level tokenizer of vocab-256 models (the test fixtures): token id = UTF-8 byte value.
 * Generated ids may stop inside a multi-byte character, so decoding uses TextDecoder, and the stream
 * decoder holds partial characters back until their last byte arrives.
 */
import { TokenizerError } from './errors.js';
import type { StreamDecoder, TextTokenizer } from './tokenizer.js';

export class ByteTokenizer implements TextTokenizer {
  static readonly VOCAB_SIZE = 256;
  readonly kind = 'bytes';
  readonly vocabSize = ByteTokenizer.VOCAB_SIZE;
  readonly chatTemplate = null;
  readonly specialTokens = {};

  encode(text: string): number[] {
    return [...new TextEncoder().encode(text)];
  }

  /** Invalid or incomplete UTF-8 decodes to U+FFFD, as Python's `errors="replace"` would. */
  decode(ids: readonly number[]): string {
    return new TextDecoder('utf-8').decode(toBytes(ids));
  }

  decodeStream(): StreamDecoder {
    const decoder = new TextDecoder('utf-8');
    return {
      push: (id) => decoder.decode(toBytes([id]), { stream: true }),
      flush: () => decoder.decode(),
    };
  }
}

function toBytes(ids: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(ids.length);
  ids.forEach((id, i) => {
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new TokenizerError(`token id ${id} is outside the byte vocabulary [0, 256)`);
    }
    bytes[i] = id;
  });
  return bytes;
}
