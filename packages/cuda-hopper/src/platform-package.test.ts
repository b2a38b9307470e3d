import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PREBUILT_GLIBC_MIN } from './install-hints.js';

// The platform package beside this one in the workspace: its declared glibc floor must be what the
// binary really needs (the newest GLIBC_x.y symbol version it names), and its os/cpu/libc fields
// must describe the machine code inside (an x86-64 ELF shared object).
const dir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'cuda-hopper-linux-x64-gnu',
);
const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
  os: string[];
  cpu: string[];
  libc: string[];
  files: string[];
  megakernel: { glibcMin: string };
};
const binary = fs.readFileSync(path.join(dir, 'megakernel_cuda.node'));

describe('the platform package @megakernel/cuda-hopper-linux-x64-gnu', () => {
  it('declares the glibc floor its binary links against', () => {
    const versions = [...binary.toString('latin1').matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [
      Number(m[1]),
      Number(m[2]),
    ]);
    expect(versions.length).toBeGreaterThan(0);
    const [major, minor] = versions.reduce((a, b) =>
      b[0]! > a[0]! || (b[0] === a[0] && b[1]! > a[1]!) ? b : a,
    );
    expect(manifest.megakernel.glibcMin).toBe(`${major}.${minor}`);
    // The loader's hint when the platform package is not installed names the same floor.
    expect(PREBUILT_GLIBC_MIN).toBe(manifest.megakernel.glibcMin);
  });

  it('is an x86-64 ELF shared object, and says so in os, cpu and libc', () => {
    expect(binary.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binary.readUInt16LE(16)).toBe(3); // ET_DYN
    expect(binary.readUInt16LE(18)).toBe(62); // EM_X86_64
    expect(manifest).toMatchObject({ os: ['linux'], cpu: ['x64'], libc: ['glibc'] });
    expect(manifest.files).toContain('megakernel_cuda.node');
    // The release workflow's provenance record (tools/record-build-info.mjs) ships beside the binary.
    expect(manifest.files).toContain('build-info.json');
  });
});
