/**
 * The GPU half of the tests lives in gpu/ (bundled to .device/gpu-tests.mjs and run on the GPU host,
 * see GPU-RESULTS.md). Here it runs only when this machine has a Hopper GPU and the bundle exists;
 * otherwise it is skipped with the probe's reason.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { probeCuda } from './addon.js';

const probe = probeCuda();
const bundle = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../.device/gpu-tests.mjs');
const skip = !probe.available
  ? `no GPU here (${probe.reason})`
  : !fs.existsSync(bundle)
    ? 'no .device/gpu-tests.mjs bundle (pnpm --filter @megakernel/cuda-hopper bundle:device)'
    : '';
if (skip) console.log(`GPU tests skipped: ${skip}; they run on the GPU host (node .device/gpu-tests.mjs).`);

describe('GPU suite', () => {
  it.skipIf(Boolean(skip))('gpu-tests.mjs passes on this GPU', () => {
    const r = spawnSync(process.execPath, [bundle], { encoding: 'utf8', timeout: 600_000 });
    const closing = r.stdout.trim().split('\n').pop();
    console.log(closing);
    expect(r.status).toBe(0);
  });
});
