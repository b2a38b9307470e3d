import { describe, expect, it } from 'vitest';
import { StopSequences } from './stop-sequences.js';

const feed = (stops: string[], pieces: string[]) => {
  const s = new StopSequences(stops);
  let out = '';
  for (const p of pieces) {
    const r = s.push(p);
    out += r.text;
    if (r.stopped) return { out, stopped: true };
  }
  return { out: out + s.flush(), stopped: false };
};

describe('stop sequences', () => {
  it('cuts the text just before a stop string split across pieces', () => {
    expect(feed(['\n\n'], ['Hello', '\n', '\nmore'])).toEqual({ out: 'Hello', stopped: true });
  });

  it('holds back a possible prefix and releases it when the stop string does not follow', () => {
    const s = new StopSequences(['END']);
    expect(s.push('abcE')).toEqual({ text: 'abc', stopped: false });
    expect(s.push('N')).toEqual({ text: '', stopped: false });
    expect(s.push('x')).toEqual({ text: 'ENx', stopped: false });
  });

  it('stops at the earliest of several stop strings', () => {
    expect(feed(['b', 'ab'], ['xaby'])).toEqual({ out: 'x', stopped: true });
  });

  it('passes everything through without stop strings', () => {
    expect(feed([], ['a', 'b'])).toEqual({ out: 'ab', stopped: false });
  });
});
