import { DecoderClosedError } from '@megakernel/reference-cpu';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../model-source.js';
import { openBackend } from './open.js';

describe('a backend session, closed', () => {
  for (const name of ['cpu', 'reference'] as const) {
    it(`${name}: close() releases it once; step() and reset() then throw DecoderClosedError`, async () => {
      const { checkpoint } = loadModel('default');
      try {
        const { session } = await openBackend(name, checkpoint, { maxSeqLen: 8, queues: 4 });
        expect(await session.step(1)).toHaveLength(checkpoint.config.vocabSize);
        session.close();
        session.close();
        expect(() => session.step(1)).toThrow(DecoderClosedError);
        expect(() => session.reset()).toThrow(DecoderClosedError);
      } finally {
        checkpoint.close();
      }
    });
  }
});
