// Where the prebuilt addon is, and what it needs: @megakernel/cuda-hopper loads it from here.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Absolute path of megakernel_cuda.node (sm_90a, CUDA runtime linked statically). */
export const addonPath = fileURLToPath(new URL('./megakernel_cuda.node', import.meta.url));

/** The newest glibc symbol version the binary links against: older systems cannot load it. */
export const glibcMin = createRequire(import.meta.url)('./package.json').megakernel.glibcMin;
