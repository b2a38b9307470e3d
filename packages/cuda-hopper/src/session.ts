/** A CUDA device session: the native Session plus its device, opened once and shared. */
import { type DeviceInfo, loadAddon, type NativeSession, probeCuda } from './addon.js';
import { CudaUnavailableError } from './errors.js';

export class CudaSession {
  readonly native: NativeSession;
  readonly device: DeviceInfo;
  private closed = false;

  private constructor(native: NativeSession) {
    this.native = native;
    this.device = native.info();
  }

  /** Opens `device` (default 0); throws CudaUnavailableError with the probe's reason when it cannot. */
  static open(device = 0): CudaSession {
    const probe = probeCuda();
    if (!probe.available) throw new CudaUnavailableError(`CUDA backend unavailable: ${probe.reason}`);
    const addon = loadAddon().addon!;
    return new CudaSession(new addon.Session(device));
  }

  /** Device-to-device copy bandwidth in GB/s, counting bytes read and written. */
  copyBandwidth(bytes = 1 << 30, iterations = 20): number {
    return this.native.copyBandwidth(bytes, iterations);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
  }
}

let shared: CudaSession | undefined;

/** One session per process for the convenience functions (runProgramCuda, greedyCuda). */
export function sharedSession(): CudaSession {
  shared ??= CudaSession.open(0);
  return shared;
}
