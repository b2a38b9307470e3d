/** Temporary files for CLI tests. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A path inside a fresh temporary folder. */
export function tempPath(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-cli-')), name);
}
