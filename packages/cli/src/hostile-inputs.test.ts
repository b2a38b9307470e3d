/**
 * Issue 12's hostile and broken inputs, through the built binary: each must end in a named error that
 * says what is wrong (exit 1 or 2), never a raw RangeError, a hang, or output that looks fine.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorLine, REPO_ROOT, runBuiltCli } from './testing/built-cli.js';
import { tempPath } from './testing/temp.js';

const LLAMA_TINY = path.join(REPO_ROOT, 'fixtures', 'llama-tiny');

/** A copy of llama-tiny whose model.safetensors bytes went through `edit`. */
function llamaTinyWith(edit: (bytes: Uint8Array) => Uint8Array): string {
  const dir = path.dirname(tempPath('config.json'));
  fs.copyFileSync(path.join(LLAMA_TINY, 'config.json'), path.join(dir, 'config.json'));
  const bytes = new Uint8Array(fs.readFileSync(path.join(LLAMA_TINY, 'model.safetensors')));
  fs.writeFileSync(path.join(dir, 'model.safetensors'), edit(bytes));
  return dir;
}

/** Byte offset in the file of element `index` of tensor `name`, read from the header by hand. */
function elementOffset(bytes: Uint8Array, name: string, index: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const n = Number(view.getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  const entry = header[name] as { dtype: string; data_offsets: [number, number] };
  expect(entry.dtype).toBe('BF16');
  return 8 + n + entry.data_offsets[0] + 2 * index;
}

/** `generate <input…> --model <model> --max-tokens 2 --greedy --backend cpu`. */
const greedyOn = (model: string, ...input: string[]) => [
  'generate',
  ...input,
  '--model',
  model,
  '--max-tokens',
  '2',
  '--greedy',
  '--backend',
  'cpu',
];

const GREEDY = [
  'generate',
  '--ids',
  '1,2,3',
  '--max-tokens',
  '4',
  '--greedy',
  '--backend',
  'cpu',
  '--suppress-eos',
];

describe('hostile checkpoints', () => {
  it('a header-length field one byte short does not generate `0 0 0 0`', async () => {
    const dir = llamaTinyWith((b) => {
      const v = new DataView(b.buffer);
      v.setBigUint64(0, v.getBigUint64(0, true) - 1n, true);
      return b;
    });
    const r = await runBuiltCli([...GREEDY, '--model', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLine(r.stderr)).toMatch(
      /model\.safetensors: \d+ bytes follow the last tensor's data .*\[trailing-bytes\]/,
    );
  });

  it('extra trailing bytes are refused', async () => {
    const dir = llamaTinyWith((b) => Uint8Array.from([...b, 0, 0, 0, 0]));
    const r = await runBuiltCli([...GREEDY, '--model', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/4 bytes follow the last tensor's data/);
  });

  it('model.safetensors that is a directory names the file', async () => {
    const dir = path.dirname(tempPath('config.json'));
    fs.copyFileSync(path.join(LLAMA_TINY, 'config.json'), path.join(dir, 'config.json'));
    fs.mkdirSync(path.join(dir, 'model.safetensors'));
    const r = await runBuiltCli([...GREEDY, '--model', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toContain(
      `${path.join(dir, 'model.safetensors')}: is a directory, not a safetensors file`,
    );
    expect(r.stderr).not.toMatch(/EISDIR/);
  });

  it('one NaN in lm_head row 7 is refused at load (it printed `7 7 7 7`), and --no-check-weights loads it', async () => {
    const dir = llamaTinyWith((b) => {
      new DataView(b.buffer).setUint16(elementOffset(b, 'lm_head.weight', 7 * 64 + 3), 0x7fc0, true);
      return b;
    });
    const r = await runBuiltCli([...GREEDY, '--model', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(errorLine(r.stderr)).toMatch(
      /tensor 'lm_head\.weight' \(role 'lmHead'\) holds NaN at element 451 \(index \[7, 3\]\).*--no-check-weights/,
    );
    const unchecked = await runBuiltCli([...GREEDY, '--model', dir, '--no-check-weights']);
    expect(unchecked.code).toBe(0);
  });
});

describe('out-of-range sizes and ids', () => {
  it('an eos_token_id outside the vocabulary is a warning on stderr (gpt2-tiny: 50256 of 256)', async () => {
    const gpt2 = path.join(REPO_ROOT, 'fixtures', 'gpt2-tiny');
    const r = await runBuiltCli(greedyOn(gpt2, '--ids', '1,2'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /^megakernel: warning: .*config\.json: eos_token_id 50256 is outside the vocabulary \[0, 256\); generation never stops/m,
    );
  });

  it('bench --tokens 1000000000 is a usage error, not `Invalid typed array length`', async () => {
    const r = await runBuiltCli(['bench', '--model', LLAMA_TINY, '--tokens', '1000000000']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(
      /--tokens 1000000000 needs 1000000002 positions .* the model has 256: give --tokens 254 or fewer/,
    );
    expect(r.stderr).not.toMatch(/RangeError|Invalid typed array/);
  });

  it('compile --max-seq-len 1000000000 on a 256-position model is refused', async () => {
    const out = tempPath('big.mkp');
    const r = await runBuiltCli(['compile', LLAMA_TINY, '--max-seq-len', '1000000000', '-o', out]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/maxSeqLen 1000000000 exceeds the model's 256 positions/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('verify --ids 1,2,999 is a prompt error', async () => {
    const r = await runBuiltCli(['verify', LLAMA_TINY, '--ids', '1,2,999', '--queues', '4']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/prompt token 2 is id 999, outside the vocabulary \[0, 256\)/);
    expect(r.stderr).not.toMatch(/queue \d+ #\d+/);
  });
});

describe('contradictory or malformed flags', () => {
  it('--ids 1,,2 is an error, not the two tokens 1 and 2', async () => {
    const r = await runBuiltCli(['generate', '--model', LLAMA_TINY, '--ids', '1,,2', '--max-tokens', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/'1,,2' has an empty token id/);
  });

  it('--temperature (or --top-k, --top-p, --seed) with --greedy is a usage error', async () => {
    const r = await runBuiltCli([...GREEDY, '--model', LLAMA_TINY, '--temperature', '0.7']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--greedy takes the argmax, so --temperature would do nothing/);
  });

  it('--system without --chat is a usage error', async () => {
    const r = await runBuiltCli(['generate', 'hello', '--model', LLAMA_TINY, '--system', 'be brief']);
    expect(r.code).toBe(2);
    expect(errorLine(r.stderr)).toMatch(/--system is the system message of a chat: add --chat/);
  });
});

describe('models without a tokenizer', () => {
  /** llama-tiny with its vocabulary cut to 200 rows: no tokenizer.json, and not a byte vocabulary. */
  function vocab200(): string {
    const dir = path.dirname(tempPath('config.json'));
    const config = JSON.parse(fs.readFileSync(path.join(LLAMA_TINY, 'config.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: 200 }));
    const bytes = new Uint8Array(fs.readFileSync(path.join(LLAMA_TINY, 'model.safetensors')));
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    // Keep every tensor's bytes; embed and lm_head keep their first 200 rows.
    const parts: Uint8Array[] = [];
    const out: Record<string, unknown> = {};
    let at = 0;
    for (const [name, e] of Object.entries(header) as [
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] },
    ][]) {
      if (name === '__metadata__') continue;
      const rows = e.shape[0] === 256 ? 200 : e.shape[0]!;
      const shape = [rows, ...e.shape.slice(1)];
      const len = (e.data_offsets[1] - e.data_offsets[0]) * (rows / e.shape[0]!);
      parts.push(bytes.subarray(8 + n + e.data_offsets[0], 8 + n + e.data_offsets[0] + len));
      out[name] = { dtype: e.dtype, shape, data_offsets: [at, at + len] };
      at += len;
    }
    let json = JSON.stringify(out);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const head = new Uint8Array(8);
    new DataView(head.buffer).setBigUint64(0, BigInt(json.length), true);
    fs.writeFileSync(
      path.join(dir, 'model.safetensors'),
      Buffer.concat([head, new TextEncoder().encode(json), ...parts]),
    );
    return dir;
  }

  it('generate --ids works on a checkpoint without tokenizer.json whose vocabulary is not 256', async () => {
    const r = await runBuiltCli([...GREEDY, '--model', vocab200()]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+ \d+ \d+ \d+$/);
  });

  it('a text prompt there is refused, saying to give --ids', async () => {
    const r = await runBuiltCli(['generate', 'hello', '--model', vocab200(), '--max-tokens', '2']);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/no tokenizer\.json.*vocabulary of 256.*has 200.*--ids/);
  });

  it('a text prompt on a byte-vocabulary folder without tokenizer.json says it is read as bytes', async () => {
    const r = await runBuiltCli(greedyOn(LLAMA_TINY, 'hi'));
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/note: .*llama-tiny has no tokenizer\.json; the prompt is read as UTF-8 bytes/);
  });
});

describe('usage hints', () => {
  it('name the command that failed, not a placeholder', async () => {
    const r = await runBuiltCli(['generate', 'hello', '--model', LLAMA_TINY, '--system', 'be brief']);
    expect(errorLine(r.stderr)).toContain("(see 'megakernel generate --help')");
    expect(r.stderr).not.toContain('<command>');
  });

  it('verify on a folder that is not a checkpoint does not suggest --model', async () => {
    const dir = path.dirname(tempPath('nothing-here'));
    const r = await runBuiltCli(['verify', dir]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/no config\.json/);
    expect(r.stderr).not.toMatch(/--model/);
  });
});

describe('program files', () => {
  it('disasm --layer 999 is a usage error naming the layers the model has, not empty output', async () => {
    const r = await runBuiltCli(['disasm', LLAMA_TINY, '--layer', '999']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(errorLine(r.stderr)).toMatch(/--layer 999: the model has 2 layers \(0-1\)/);
  });

  it('disasm x.mkp on a missing file says the program file is missing', async () => {
    const missing = tempPath('x.mkp');
    const r = await runBuiltCli(['disasm', missing]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toContain(`program file ${missing} does not exist`);
    expect(r.stderr).not.toMatch(/checkpoint folder/);
  });

  it('verify g.mkp --model gpt2-tiny on a program compiled from a preset names the mismatch, not an internal role', async () => {
    const program = tempPath('g.mkp');
    expect(
      (await runBuiltCli(['compile', '--preset', 'gpt2-124m', '--queues', '4', '-o', program])).code,
    ).toBe(0);
    const r = await runBuiltCli([
      'verify',
      program,
      '--model',
      path.join(REPO_ROOT, 'fixtures', 'gpt2-tiny'),
    ]);
    expect(r.code).toBe(1);
    // gpt2-tiny's out-of-vocabulary eos/bos warnings come first; the error is the last line.
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(
      /compiled for a model with \w+ = \d+, the checkpoint has \d+/,
    );
    expect(r.stderr).not.toMatch(/attnNorm\.0/);
  });

  it('a program with a bit-flipped rowCount is refused by verify before it runs', async () => {
    const program = tempPath('p.mkp');
    expect(
      (await runBuiltCli(['compile', LLAMA_TINY, '--queues', '4', '--kv-dtype', 'f32', '-o', program])).code,
    ).toBe(0);
    const bytes = new Uint8Array(fs.readFileSync(program));
    // The last instruction of the file: flip bit 26 of its a1 (bytes 44-47 of the 64-byte instruction).
    const at = bytes.byteLength - 64 + 44 + 3;
    bytes[at]! ^= 1 << 2;
    fs.writeFileSync(program, bytes);
    const t0 = Date.now();
    const r = await runBuiltCli(['verify', program, '--model', LLAMA_TINY]);
    expect(r.code).toBe(1);
    expect(errorLine(r.stderr)).toMatch(/p\.mkp: (not a valid program|.* exceeds)/);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
