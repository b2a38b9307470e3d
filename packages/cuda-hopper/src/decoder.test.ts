/**
 * Closing, without a GPU: a stand-in for the addon's native handle (it keeps the state arena in host
 * memory and counts close() calls) behind the real CudaDevice, CudaProgram and CudaDecoder. The same
 * behaviour on the real addon, and that close() really frees device memory, is checked on the GPU host
 * (gpu/gpu-tests.ts, "close() frees the device memory").
 */
import type { TensorReader } from '@megakernel/model';
import { describe, expect, it } from 'vitest';
import type { DeviceInfo, KernelStatus, NativeDevice } from './addon.js';
import { CudaDecoder } from './decoder.js';
import { CudaDevice, DEFAULT_QUEUES } from './device.js';
import { CudaProgram } from './device-program.js';
import { CudaClosedError, UnsupportedProgramError } from './errors.js';
import { tinyProgram } from './test-programs.js';

interface StandIn extends NativeDevice {
  readonly closes: number;
  readonly calls: readonly string[];
  /** The queue count of every loadProgram / swapQueues, in order. */
  readonly loads: readonly number[];
}

function standInNative(): StandIn {
  const info: DeviceInfo = {
    index: 0,
    name: 'stand-in H100',
    computeCapability: '9.0',
    smCount: DEFAULT_QUEUES,
    memoryBytes: 80 * 2 ** 30,
    l2Bytes: 50 * 2 ** 20,
    sharedPerBlockOptin: 227 * 1024,
    clockKHz: 1_980_000,
    memoryClockKHz: 2_619_000,
    busWidthBits: 5120,
    cooperativeLaunch: true,
  };
  const ok: KernelStatus = {
    code: 0,
    queue: 0,
    instruction: 0,
    step: 0,
    opcode: 0,
    counter: 0,
    threshold: 0,
    seen: 0,
    detail: 0,
  };
  let open = true;
  let closes = 0;
  let state = new Uint8Array(0);
  const calls: string[] = [];
  const loads: number[] = [];
  // What the addon does after close(): every method but close() throws.
  const use = <T>(name: string, result?: () => T): T => {
    if (!open) throw new Error('the CUDA device handle is closed: close() freed its memory');
    calls.push(name);
    return result?.() as T;
  };
  const bytes = (d: ArrayBufferView) => new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  return {
    get closes() {
      return closes;
    },
    calls,
    loads,
    info: () => use('info', () => info),
    allocWeights: () => use('allocWeights'),
    writeWeights: () => use('writeWeights'),
    readWeights: (_offset, n) => use('readWeights', () => new Uint8Array(n)),
    fillWeightsRandom: () => use('fillWeightsRandom'),
    loadProgram: (_table, _queues, lens, _counters, stateBytes) =>
      use('loadProgram', () => {
        loads.push(lens.length);
        state = new Uint8Array(stateBytes);
      }),
    swapQueues: (_table, _queues, lens, _counters, stateBytes) =>
      use('swapQueues', () => {
        if (stateBytes !== state.length) throw new Error('swapQueues: not the same state layout');
        loads.push(lens.length);
      }),
    writeState: (offset, data) => use('writeState', () => state.set(bytes(data), offset)),
    readState: (offset, n) => use('readState', () => state.slice(offset, offset + n)),
    fillState: (offset, n, value) =>
      use('fillState', () => {
        state.fill(value, offset, offset + n);
      }),
    zeroCounters: () => use('zeroCounters'),
    readCounters: (n) => use('readCounters', () => new Uint32Array(n)),
    run: () => use('run', () => ({ elapsedMs: 0.01, status: ok })),
    readTimings: () => use('readTimings', () => ({ bytes: new Uint8Array(0), queues: 0, maxQueueLen: 0 })),
    copyBandwidth: () => use('copyBandwidth', () => 1),
    close: () => {
      open = false;
      closes++;
    },
  };
}

/** The tiny program's weights: zeros of the shapes its sources name. */
const SHAPES: Record<string, readonly number[]> = {
  embed: [32, 64],
  norm: [64],
  qkv: [128, 64],
  o: [64, 64],
};
const reader: TensorReader = {
  listTensors: () => Object.entries(SHAPES).map(([name, shape]) => ({ name, dtype: 'BF16', shape })),
  readTensor: (name) => new Float32Array(SHAPES[name]!.reduce((a, b) => a * b, 1)),
};

describe('closing a CUDA device handle', () => {
  it('closes the native handle once, however often it is called, and names later uses', () => {
    const native = standInNative();
    const device = new CudaDevice(native);
    expect(device.closed).toBe(false);
    device.close();
    device.close();
    expect(native.closes).toBe(1);
    expect(device.closed).toBe(true);
    expect(() => device.native).toThrow(CudaClosedError);
    expect(() => device.copyBandwidth()).toThrow(/the CUDA device handle \(GPU 0\) is closed/);
    expect(() => new CudaProgram(device, tinyProgram())).toThrow(CudaClosedError);
  });

  it('a program resident on a closed handle throws CudaClosedError, not the addon error', () => {
    const device = new CudaDevice(standInNative());
    const gpu = new CudaProgram(device, tinyProgram());
    device.close();
    const e = (() => {
      try {
        gpu.readLogits();
      } catch (err) {
        return err as Error;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(CudaClosedError);
    expect(e?.name).toBe('CudaClosedError');
  });
});

describe('the GPU decode session', () => {
  it('steps, resets, and closes its device handle exactly once', () => {
    const native = standInNative();
    const decoder = new CudaDecoder(new CudaDevice(native), tinyProgram(), reader);
    expect(decoder.maxSeqLen).toBe(8);
    expect(decoder.step(3)).toHaveLength(32);
    expect(decoder.step(4)).toHaveLength(32);
    expect(decoder.position).toBe(2);
    decoder.reset();
    expect(decoder.position).toBe(0);
    expect(native.calls.filter((c) => c === 'run')).toHaveLength(2);
    decoder.close();
    decoder.close();
    expect(native.closes).toBe(1);
  });

  it('throws CudaClosedError from step() and reset() after close()', () => {
    const native = standInNative();
    const decoder = new CudaDecoder(new CudaDevice(native), tinyProgram(), reader);
    decoder.step(1);
    decoder.close();
    const runs = native.calls.length;
    expect(() => decoder.step(1)).toThrow(CudaClosedError);
    expect(() => decoder.step(1)).toThrow(/step\(\) on a closed GPU decode session/);
    expect(() => decoder.reset()).toThrow(CudaClosedError);
    // Nothing reached the native handle after close().
    expect(native.calls.length).toBe(runs);
  });

  it('closes the device handle it was given when the program is refused or the upload fails', () => {
    const refused = standInNative();
    expect(() => new CudaDecoder(new CudaDevice(refused), tinyProgram({ wDtype: 'f32' }), reader)).toThrow(
      UnsupportedProgramError,
    );
    expect(refused.closes).toBe(1);

    const failed = standInNative();
    const noTensors: TensorReader = { listTensors: () => [], readTensor: () => new Float32Array(0) };
    expect(() => new CudaDecoder(new CudaDevice(failed), tinyProgram(), noTensors)).toThrow(/embed/);
    expect(failed.closes).toBe(1);
  });
});

describe('a GPU decode session with program variants', () => {
  // Two programs on one state layout that differ in their queues: which one ran is visible as the queue count.
  const variants = [
    { upToContext: 3, program: tinyProgram({ queues: 1 }) },
    { upToContext: 8, program: tinyProgram({ queues: 2 }) },
  ];

  it('runs each launch with the variant for the context its last step reaches, and back after reset()', () => {
    const native = standInNative();
    const decoder = new CudaDecoder(new CudaDevice(native), variants[0]!.program, reader, { variants });
    for (let t = 0; t < 3; t++) decoder.step(t);
    expect(decoder.program).toBe(variants[0]!.program);
    decoder.step(3); // its last step sees 4 positions: the second band
    expect(decoder.program).toBe(variants[1]!.program);
    decoder.step(4);
    decoder.reset();
    decoder.step(1);
    expect(decoder.program).toBe(variants[0]!.program);
    // Loaded once, swapped at context 4 and back at the first launch after reset(); never reloaded.
    expect(native.loads).toEqual([1, 2, 1]);
    expect(native.calls.filter((c) => c === 'loadProgram')).toHaveLength(1);
  });

  it('refuses a variant on another state layout before anything is uploaded, and closes the handle', () => {
    const native = standInNative();
    const base = variants[0]!.program;
    const bigger = { ...variants[1]!.program, stateBytes: base.stateBytes + 256 };
    expect(
      () =>
        new CudaDecoder(new CudaDevice(native), base, reader, {
          variants: [variants[0]!, { upToContext: 8, program: bigger }],
        }),
    ).toThrow(/not on the program's state layout \(state arenas of \d+ and \d+ bytes\)/);
    expect(native.closes).toBe(1);
    expect(native.calls).not.toContain('writeWeights');
  });
});
