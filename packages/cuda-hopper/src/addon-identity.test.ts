import { describe, expect, it } from 'vitest';
import { ADDON_ABI_VERSION, checkIdentity, PACKAGE_VERSION } from './addon-identity.js';

const expected = { abi: 1, version: '1.2.3' };

describe('the identity a binary must report', () => {
  it('comes from package.json, the file CMakeLists.txt reads for the binary', async () => {
    const manifest = (await import('../package.json')).default;
    expect(ADDON_ABI_VERSION).toBe(manifest.megakernel.addonAbi);
    expect(PACKAGE_VERSION).toBe(manifest.version);
  });

  it('accepts exactly this ABI and version', () => {
    expect(checkIdentity({ abiVersion: 1, packageVersion: '1.2.3' }, expected)).toEqual({ ok: true });
  });

  it('declines another version, naming both', () => {
    const v = checkIdentity({ abiVersion: 1, packageVersion: '1.2.2' }, expected);
    expect(v).toEqual({
      ok: false,
      reason: 'it was built for @megakernel/cuda-hopper 1.2.2, this is 1.2.3',
    });
  });

  it('declines another ABI, and counts a binary with none as ABI 0', () => {
    expect(checkIdentity({ abiVersion: 2, packageVersion: '1.2.3' }, expected)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/ABI 2, .*1\.2\.3 needs ABI 1/),
    });
    expect(checkIdentity({}, expected)).toMatchObject({ ok: false, reason: expect.stringMatching(/ABI 0/) });
  });

  it('loads an older build with this ABI but no recorded version, with a warning', () => {
    const v = checkIdentity({ abiVersion: 1 }, expected);
    expect(v.ok).toBe(true);
    expect(v.ok && v.warning).toMatch(/does not record which @megakernel\/cuda-hopper version/);
  });
});
