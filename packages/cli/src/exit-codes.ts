/** The CLI's exit codes: 0 ok, 1 the work failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A command line that parsed but makes no sense (a prompt and --ids, no target): exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
