/**
 * What a binary must say about itself to be loaded: the Node-API surface it exports (`abiVersion`)
 * and the @megakernel/cuda-hopper version it was built for (`packageVersion`). Both numbers come from
 * this package's package.json, which CMakeLists.txt reads for the binary, so the two sides cannot
 * drift apart by hand.
 */
import { megakernel, version } from '../package.json';

/** The ABI this TypeScript speaks (package.json `megakernel.addonAbi`). */
export const ADDON_ABI_VERSION: number = megakernel.addonAbi;
/** This package's version: a binary must have been built for exactly this one. */
export const PACKAGE_VERSION: string = version;

/** What a binary exports about itself (undefined where an older binary exports nothing). */
export interface ReportedIdentity {
  readonly abiVersion?: unknown;
  readonly packageVersion?: unknown;
}

export type IdentityVerdict =
  | { readonly ok: true; readonly warning?: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Accepts exactly this ABI and this version. A binary with no `packageVersion` but this ABI was built
 * before binaries recorded their version (the prebuilt one of 2026-12-02 is one): it is accepted with a
 * warning, since its ABI proves the calls match. No `abiVersion` at all counts as ABI 0.
 */
export function checkIdentity(
  reported: ReportedIdentity,
  expected: { readonly abi: number; readonly version: string } = {
    abi: ADDON_ABI_VERSION,
    version: PACKAGE_VERSION,
  },
): IdentityVerdict {
  const abi = typeof reported.abiVersion === 'number' ? reported.abiVersion : 0;
  if (abi !== expected.abi) {
    return {
      ok: false,
      reason: `it has addon ABI ${abi}, @megakernel/cuda-hopper ${expected.version} needs ABI ${expected.abi}`,
    };
  }
  if (typeof reported.packageVersion !== 'string') {
    return {
      ok: true,
      warning: `it does not record which @megakernel/cuda-hopper version it was built for (an older build); loaded on its ABI ${abi}`,
    };
  }
  if (reported.packageVersion !== expected.version) {
    return {
      ok: false,
      reason: `it was built for @megakernel/cuda-hopper ${reported.packageVersion}, this is ${expected.version}`,
    };
  }
  return { ok: true };
}
