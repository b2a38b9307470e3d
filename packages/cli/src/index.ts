/** @megakernel/cli: the `megakernel` command. `main.ts` is the executable; this is the testable surface. */
export const PACKAGE_NAME = '@megakernel/cli';
export { runCli } from './cli.js';
export { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './exit-codes.js';
export type { CliIo, OutputStream } from './io.js';
