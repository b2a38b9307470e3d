import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterReached, waitThreshold } from './counters.js';

describe('dependency counters', () => {
  it('waits for target·(epoch+1), or target·epoch for a previous-step wait', () => {
    expect(waitThreshold(4, 0, false)).toBe(4);
    expect(waitThreshold(4, 9, false)).toBe(40);
    expect(waitThreshold(4, 9, true)).toBe(36);
    expect(waitThreshold(4, 0, true)).toBe(0); // nothing to wait for in the first step
  });

  it('agrees with plain >= while nothing wraps (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 100000 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (t, e, v) => {
          const th = t * (e + 1);
          return counterReached(v, waitThreshold(t, e, false)) === v >= th;
        },
      ),
    );
  });

  it('keeps working when the counter and threshold wrap past 2^32', () => {
    const th = waitThreshold(1000, 4294967, false); // 4294968000 mod 2^32
    expect(th).toBe(704);
    expect(counterReached(800, th)).toBe(true); // wrapped counter, 96 past the threshold
    expect(counterReached(4294967000, th)).toBe(false); // 1000 short, not yet wrapped
  });
});
