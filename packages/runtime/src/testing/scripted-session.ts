/** A DecodeSession whose logits make greedy decoding follow a fixed script after the prompt (for tests). */
import type { DecodeSession } from '../backend.js';

export interface ScriptedSession extends DecodeSession {
  /** Every token fed so far, prompt first. */
  readonly fed: readonly number[];
}

export function scriptedSession(
  promptLength: number,
  script: readonly number[],
  vocab = 256,
  maxSeqLen = 64,
): ScriptedSession {
  const fed: number[] = [];
  return {
    fed,
    maxSeqLen,
    get position() {
      return fed.length;
    },
    step(token: number) {
      fed.push(token);
      const logits = new Float32Array(vocab);
      // The step that consumed the prompt's last token predicts script[0], the next one script[1], ...
      const next = Math.max(0, Math.min(fed.length - promptLength, script.length - 1));
      logits[script[next]!] = 10;
      return logits;
    },
    reset() {
      fed.length = 0;
    },
    close() {},
  };
}
