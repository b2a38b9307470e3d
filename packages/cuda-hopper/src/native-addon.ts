/** The native addon's surface as TypeScript sees it (csrc/addon/addon.cc exports it). */

export interface DeviceInfo {
  readonly index: number;
  readonly name: string;
  readonly computeCapability: string;
  readonly smCount: number;
  readonly memoryBytes: number;
  readonly l2Bytes: number;
  readonly sharedPerBlockOptin: number;
  readonly clockKHz: number;
  readonly memoryClockKHz: number;
  readonly busWidthBits: number;
  readonly cooperativeLaunch: boolean;
}

export interface NativeProbe {
  readonly ok: boolean;
  readonly error: string;
  readonly driverVersion: number;
  readonly runtimeVersion: number;
  readonly devices: readonly DeviceInfo[];
  readonly kernelSharedBytes: number;
  readonly kernelThreads: number;
}

/** The record the first failing block writes (see csrc/runtime.h KernelStatus). */
export interface KernelStatus {
  readonly code: number;
  readonly queue: number;
  readonly instruction: number;
  readonly step: number;
  readonly opcode: number;
  readonly counter: number;
  readonly threshold: number;
  readonly seen: number;
  readonly detail: number;
}

/**
 * The native device handle: one device's arenas (weights, state), loaded program, stream and pinned
 * staging buffers (csrc/session.h, exported by csrc/addon/addon.cc under its ABI name `Session`).
 * `close()` frees all of it; every other method then throws. Byte offsets and sizes are plain
 * numbers (< 2^53).
 */
/** loadProgram and swapQueues: the tensor table, the queues, their lengths, counters, state bytes. */
type ProgramLoad = (
  table: Uint8Array,
  queues: Uint8Array,
  queueLens: Uint32Array,
  counterCount: number,
  stateBytes: number,
) => void;

export interface NativeDevice {
  info(): DeviceInfo;
  allocWeights(bytes: number): void;
  writeWeights(offset: number, data: ArrayBufferView): void;
  readWeights(offset: number, bytes: number): Uint8Array;
  fillWeightsRandom(
    offset: number,
    count: number,
    dtype: number,
    seed: number,
    scale: number,
    center: number,
  ): void;
  loadProgram: ProgramLoad;
  /** Another program over the loaded state and weights (ABI 2): table, queues and fresh counters. */
  swapQueues: ProgramLoad;
  writeState(offset: number, data: ArrayBufferView): void;
  readState(offset: number, bytes: number): Uint8Array;
  fillState(offset: number, bytes: number, value: number): void;
  zeroCounters(): void;
  readCounters(count: number): Uint32Array;
  run(
    steps: number,
    pos0: number,
    epoch0: number,
    timing: boolean,
    watchdogNs: number,
    tokensPerStep: number,
  ): {
    elapsedMs: number;
    status: KernelStatus;
  };
  readTimings(): { bytes: Uint8Array; queues: number; maxQueueLen: number };
  copyBandwidth(bytes: number, iterations: number): number;
  close(): void;
}

export interface NativeAddon {
  probe(): NativeProbe;
  /** Opens a device handle (the name is the addon's ABI, kept so that older binaries still load). */
  readonly Session: new (
    device: number,
  ) => NativeDevice;
  /** The Node-API surface it exports (package.json `megakernel.addonAbi`); absent before ABI 1. */
  readonly abiVersion?: number;
  /** The @megakernel/cuda-hopper version it was built for; absent in older builds. */
  readonly packageVersion?: string;
}
