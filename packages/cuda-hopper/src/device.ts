/** A CUDA device handle: the addon's native object for one device, plus that device's properties. */
import { type DeviceInfo, loadAddon, type NativeDevice, probeCuda } from './addon.js';
import { CudaClosedError, CudaUnavailableError } from './errors.js';

/**
 * Instruction queues of a program compiled with no GPU at hand: 132, the SM count of an H100 SXM and
 * of an H200 (one queue per SM). On a GPU the backend uses the device's own SM count instead.
 */
export const DEFAULT_QUEUES = 132;

export class CudaDevice {
  readonly info: DeviceInfo;
  private handle: NativeDevice | undefined;

  /** Takes ownership of an opened native handle (`CudaDevice.open` opens one). */
  constructor(native: NativeDevice) {
    this.handle = native;
    this.info = native.info();
  }

  /** Opens `device` (default 0); throws CudaUnavailableError with the probe's reason when it cannot. */
  static open(device = 0): CudaDevice {
    const probe = probeCuda();
    if (!probe.available) throw new CudaUnavailableError(`CUDA backend unavailable: ${probe.reason}`);
    const addon = loadAddon().addon!;
    return new CudaDevice(new addon.Session(device));
  }

  /** The native handle; throws CudaClosedError once the device is closed. */
  get native(): NativeDevice {
    if (this.handle === undefined) {
      throw new CudaClosedError(`the CUDA device handle (GPU ${this.info.index}) is closed`);
    }
    return this.handle;
  }

  get closed(): boolean {
    return this.handle === undefined;
  }

  /** Device-to-device copy bandwidth in GB/s, counting bytes read and written. */
  copyBandwidth(bytes = 1 << 30, iterations = 20): number {
    return this.native.copyBandwidth(bytes, iterations);
  }

  /**
   * Frees everything the handle holds on the device (weights, state, program, counters, timings), its
   * stream and its pinned staging buffers. Idempotent; every later use throws CudaClosedError.
   */
  close(): void {
    const native = this.handle;
    if (native === undefined) return;
    this.handle = undefined;
    native.close();
  }
}

let shared: CudaDevice | undefined;

/** Device 0, opened once per process for the convenience functions (runProgramCuda, greedyCuda). */
export function sharedDevice(): CudaDevice {
  if (shared === undefined || shared.closed) shared = CudaDevice.open(0);
  return shared;
}
