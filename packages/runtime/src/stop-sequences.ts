/**
 * Stop strings over streamed text: releases text as it arrives, except a tail that could still be
 * the start of a stop string, and cuts the stream just before the first complete stop string.
 */
export class StopSequences {
  private held = '';

  constructor(private readonly stops: readonly string[]) {
    if (stops.some((s) => s.length === 0)) throw new RangeError('stop strings must not be empty');
  }

  /** Text safe to release now, and whether a stop string has completed (nothing follows then). */
  push(text: string): { text: string; stopped: boolean } {
    const all = this.held + text;
    let cut = -1;
    for (const s of this.stops) {
      const at = all.indexOf(s);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.held = '';
      return { text: all.slice(0, cut), stopped: true };
    }
    const keep = this.longestPendingPrefix(all);
    this.held = all.slice(all.length - keep);
    return { text: all.slice(0, all.length - keep), stopped: false };
  }

  /** Whatever was held back (the stream ended without completing a stop string). */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  private longestPendingPrefix(text: string): number {
    let best = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, text.length); n > best; n--) {
        if (text.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
