import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { preflightAddon, preflightEnabled, runPreflight } from './addon-preflight.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mk-preflight-'));
const notAnAddon = path.join(tmp, 'not-an-addon.node');
fs.writeFileSync(notAnAddon, 'this is not a shared object\n');

describe('the test load in a child process', () => {
  it('declines a file that is not an addon with the error the child saw', () => {
    const v = runPreflight(notAnAddon);
    expect(v).toMatchObject({ ok: false, kind: 'load' });
    expect(!v.ok && v.reason).toMatch(/invalid ELF header|not a valid|too short/i);
  });

  it('survives a child that dies of SIGSEGV and names the signal and its stderr', () => {
    const v = runPreflight(notAnAddon, {
      script: "process.stderr.write('cuInit: boom\\n'); process.kill(process.pid, 'SIGSEGV')",
    });
    expect(v).toMatchObject({ ok: false, kind: 'crash' });
    expect(!v.ok && v.reason).toMatch(
      /crashed while loading the binary \(SIGSEGV\); its stderr: cuInit: boom/,
    );
  });

  it('says how far a crashed child got', () => {
    const v = runPreflight(notAnAddon, {
      script: `process.stdout.write(JSON.stringify({ stage: 'loaded', abiVersion: 1 }) + '\\n'); process.kill(process.pid, 'SIGSEGV')`,
    });
    expect(!v.ok && v.reason).toMatch(/crashed while probing the GPU \(the binary loaded\) \(SIGSEGV\)/);
  });

  it('gives up on a child that hangs', () => {
    const v = runPreflight(notAnAddon, { script: 'setInterval(() => {}, 1000)', timeoutMs: 500 });
    expect(v).toMatchObject({ ok: false, kind: 'crash' });
    expect(!v.ok && v.reason).toMatch(/hung while loading the binary: no answer within 0.5 s/);
  });

  it('names an exit code when the child exits non-zero', () => {
    const v = runPreflight(notAnAddon, { script: "process.stderr.write('bad\\n'); process.exit(3)" });
    expect(!v.ok && v.reason).toMatch(/exited with code 3 while loading the binary; its stderr: bad/);
  });

  it('reports what a binary says about itself and its probe', () => {
    const v = runPreflight(notAnAddon, {
      script: [
        "const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');",
        "say({ stage: 'loaded', abiVersion: 1, packageVersion: '9.9.9' });",
        "say({ stage: 'probed', probe: { ok: false, error: 'no CUDA driver', driverVersion: 0, devices: [] } });",
      ].join('\n'),
    });
    expect(v).toMatchObject({
      ok: true,
      report: { abiVersion: 1, packageVersion: '9.9.9', probe: { ok: false, error: 'no CUDA driver' } },
    });
  });

  it('runs once per binary and process, again when the file changes', () => {
    const file = path.join(tmp, 'cached.node');
    fs.writeFileSync(file, 'x');
    const first = preflightAddon(file);
    expect(preflightAddon(file)).toBe(first);
    fs.writeFileSync(file, 'xy');
    expect(preflightAddon(file)).not.toBe(first);
  });

  it('MEGAKERNEL_ADDON_PREFLIGHT=0 turns it off', () => {
    expect(preflightEnabled({})).toBe(true);
    expect(preflightEnabled({ MEGAKERNEL_ADDON_PREFLIGHT: '0' })).toBe(false);
  });
});
