/**
 * Picks and opens a backend. 'auto' takes the GPU only when cuda-hopper's probe says the addon loads
 * and a Hopper GPU answers, and otherwise says why it fell back to the CPU VM.
 */
import { UnsupportedProgramError } from '@megakernel/cuda-hopper';
import type { LoadedCheckpoint } from '@megakernel/model';
import type { BackendChoice, BackendName, DecodeSession, ProgressListener } from '../backend.js';
import { BackendUnavailableError, OptionError } from '../errors.js';
import { withWeightProgress } from '../weight-progress.js';
import { createCpuVmSession } from './cpu-vm.js';
import { createCudaSession, probeCuda } from './cuda.js';
import { createReferenceSession } from './reference.js';

export interface OpenBackendOptions {
  readonly maxSeqLen: number;
  readonly queues?: number;
  readonly onProgress?: ProgressListener;
}

export interface OpenedBackend {
  readonly name: BackendName;
  readonly reason: string;
  readonly session: DecodeSession;
}

export async function openBackend(
  choice: BackendChoice,
  checkpoint: LoadedCheckpoint,
  options: OpenBackendOptions,
): Promise<OpenedBackend> {
  if (options.queues !== undefined && !(Number.isInteger(options.queues) && options.queues > 0)) {
    throw new OptionError(`queues must be a positive integer, got ${options.queues}`);
  }
  const chosen = await chooseBackend(choice);
  try {
    return { ...chosen, session: await openSession(chosen.name, checkpoint, options) };
  } catch (e) {
    // 'auto' still falls back when the GPU works but cannot run this model (head_dim, vector length).
    if (choice !== 'auto' || !(e instanceof UnsupportedProgramError)) throw e;
    const session = await openSession('cpu', checkpoint, options);
    return { name: 'cpu', reason: `the CPU VM, because ${oneLine(e.message)}`, session };
  }
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, '; ');

async function chooseBackend(choice: BackendChoice): Promise<{ name: BackendName; reason: string }> {
  switch (choice) {
    case 'cpu':
      return { name: 'cpu', reason: 'asked for: the compiled program on the CPU VM' };
    case 'reference':
      return { name: 'reference', reason: 'asked for: the direct forward pass, no compiled program' };
    case 'cuda': {
      const probe = await probeCuda();
      if (!probe.ok) throw new BackendUnavailableError('cuda', probe.reason);
      return { name: 'cuda', reason: `asked for: ${probe.reason}` };
    }
    case 'auto': {
      const probe = await probeCuda();
      return probe.ok
        ? { name: 'cuda', reason: probe.reason }
        : { name: 'cpu', reason: `the CPU VM, because the GPU path is off: ${probe.reason}` };
    }
    default:
      throw new OptionError(`backend must be auto, cpu, cuda or reference, got '${String(choice)}'`);
  }
}

async function openSession(
  name: BackendName,
  checkpoint: LoadedCheckpoint,
  options: OpenBackendOptions,
): Promise<DecodeSession> {
  // The GPU backend reports its upload itself; the CPU backends are watched through the checkpoint.
  if (name === 'cuda') return createCudaSession(checkpoint, options);
  const progress = withWeightProgress(checkpoint, options.onProgress);
  const session =
    name === 'cpu'
      ? createCpuVmSession(progress.checkpoint, options)
      : createReferenceSession(progress.checkpoint, options.maxSeqLen);
  progress.finish();
  return session;
}
