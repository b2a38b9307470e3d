/**
 * What to tell an npm user whose addon did not load: commands that work in their project (npm, npx),
 * never the monorepo's own (pnpm --filter). One hint per kind of decline and kind of candidate.
 */
import { PACKAGE_VERSION } from './addon-identity.js';
import type { SystemFacts } from './system-description.js';

/** Where a candidate came from (the loader's search order). */
export type CandidateSource = 'override' | 'local-build' | 'platform-package' | 'beside-bundle';

/** Why a candidate was declined. */
export type DeclineKind = 'glibc' | 'identity' | 'crash' | 'load';

/** The platform package's name for a system (only linux-x64 with glibc exists). */
export function platformPackageName(
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return `@megakernel/cuda-hopper-${platform}-${arch}-gnu`;
}

/** The glibc the prebuilt binary needs (platform package.json `megakernel.glibcMin`; a test checks both agree). */
export const PREBUILT_GLIBC_MIN = '2.34';

const BUILD_FROM_SOURCE =
  'build it from source: `npx megakernel build-addon` (from @megakernel/cli; needs the CUDA toolkit and CMake)';

/** Whether a prebuilt binary exists for this system at all. */
export function prebuiltFits(
  facts: SystemFacts,
  versionAtLeast: (have: string, need: string) => boolean,
): boolean {
  return (
    facts.platform === 'linux' &&
    facts.arch === 'x64' &&
    facts.glibc !== undefined &&
    versionAtLeast(facts.glibc, PREBUILT_GLIBC_MIN)
  );
}

/** No candidate binary at all. */
export function missingAddonHint(facts: SystemFacts, fits: boolean): string {
  if (facts.platform !== 'linux')
    return 'the GPU backend needs Linux and an NVIDIA Hopper GPU; the CPU backends work here';
  if (fits) {
    return (
      `install the prebuilt binary: \`npm install ${platformPackageName(facts.platform, facts.arch)}@${PACKAGE_VERSION}\` ` +
      `(an optional dependency, left out by --omit=optional), or ${BUILD_FROM_SOURCE}`
    );
  }
  return `no prebuilt binary fits this system (it needs Linux x64 with glibc >= ${PREBUILT_GLIBC_MIN}); ${BUILD_FROM_SOURCE}`;
}

/** A candidate that was found and declined. */
export function declineHint(kind: DeclineKind, source: CandidateSource, facts: SystemFacts): string {
  if (kind === 'crash')
    return `check the NVIDIA driver with \`nvidia-smi\`; if it works, ${BUILD_FROM_SOURCE}`;
  if (kind === 'glibc') return BUILD_FROM_SOURCE;
  if (source === 'override') {
    return `point MEGAKERNEL_CUDA_ADDON at a build for @megakernel/cuda-hopper ${PACKAGE_VERSION}, or unset it`;
  }
  if (source === 'platform-package') {
    return (
      `install the matching binary: \`npm install ${platformPackageName(facts.platform, facts.arch)}@${PACKAGE_VERSION}\`, ` +
      `or ${BUILD_FROM_SOURCE}`
    );
  }
  return `rebuild it: \`npx megakernel build-addon\` (from @megakernel/cli)`;
}
