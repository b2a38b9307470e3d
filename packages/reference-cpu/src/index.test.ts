import { expect, it } from 'vitest';
import * as api from './index.js';

it('exports the documented public surface', () => {
  for (const name of [
    'forward',
    'generateGreedy',
    'ForwardDecoder',
    'VmDecoder',
    'DecoderClosedError',
    'loadDecoderWeights',
    'runProgram',
    'runGreedy',
    'VmDeadlockError',
    'VmBoundsError',
    'matvec',
    'rmsNorm',
    'layerNorm',
    'applyRope',
    'attentionPartialHead',
    'attentionReduceHead',
    'argmax',
    'sampleToken',
    'roundToBf16',
    'f32ToF16Bits',
    'randomCheckpoint',
  ]) {
    expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
  }
  expect(api.PACKAGE_NAME).toBe('@megakernel/reference-cpu');
});
