/** What every command gets: the output streams and a progress-bar factory bound to stderr. */
import type { CliIo } from './io.js';
import { createProgress, type Progress } from './progress.js';

export interface CommandContext {
  readonly io: CliIo;
  progress(): Progress;
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
}

export function commandContext(io: CliIo): CommandContext {
  return {
    io,
    progress: () => createProgress(io.stderr),
    out: (line) => io.stdout.write(`${line}\n`),
    err: (line) => io.stderr.write(`${line}\n`),
  };
}
