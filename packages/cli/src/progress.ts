/** Progress bars on stderr for weight loading and compiling, only when stderr is a terminal. */

import type { ProgressEvent, ProgressListener } from '@megakernel/runtime';
import { SingleBar } from 'cli-progress';
import type { OutputStream } from './io.js';

const LABELS: Record<ProgressEvent['phase'], string> = {
  weights: 'loading weights',
  compile: 'compiling      ',
  upload: 'uploading      ',
};

export interface Progress {
  readonly listener: ProgressListener | undefined;
  /** Ends the current bar (call before writing anything else to stderr). */
  stop(): void;
}

export function createProgress(stderr: OutputStream): Progress {
  if (!stderr.isTTY) return { listener: undefined, stop: () => {} };
  let bar: SingleBar | null = null;
  let phase: ProgressEvent['phase'] | null = null;
  const stop = () => {
    bar?.stop();
    bar = null;
    phase = null;
  };
  const listener: ProgressListener = (e) => {
    if (e.phase !== phase) {
      stop();
      phase = e.phase;
      bar = new SingleBar({
        stream: stderr as NodeJS.WritableStream,
        format: `${LABELS[e.phase]} [{bar}] {percentage}%`,
        hideCursor: true,
        clearOnComplete: true,
      });
      bar.start(e.total, e.done);
    } else {
      bar?.setTotal(e.total);
      bar?.update(e.done);
    }
    if (e.done >= e.total) stop();
  };
  return { listener, stop };
}
