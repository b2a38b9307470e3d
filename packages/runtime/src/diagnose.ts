/** What `megakernel doctor` reports: the Node.js runtime, the CUDA addon and GPU, and the backend 'auto' picks. */
import * as os from 'node:os';
import { type CudaProbe, probeCuda } from './backends/cuda.js';

export interface Diagnosis {
  /** Label/value pairs in display order. */
  readonly lines: readonly (readonly [string, string])[];
  readonly gpuPath: CudaProbe;
}

/** Node 20 is the oldest release the packages are built for (package.json engines). */
const MIN_NODE_MAJOR = 20;

export async function diagnose(): Promise<Diagnosis> {
  const major = Number(process.versions.node.split('.')[0]);
  const probe = await probeCuda();
  const lines: (readonly [string, string])[] = [
    [
      'node',
      `${process.version}${major >= MIN_NODE_MAJOR ? '' : ` (too old: need ${MIN_NODE_MAJOR} or newer)`}`,
    ],
    ['platform', `${process.platform} ${process.arch}, ${os.cpus().length} CPUs`],
    ...probe.details,
  ];
  return { lines, gpuPath: probe };
}
