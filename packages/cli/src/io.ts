/** Where the CLI writes: the process streams in `main`, buffers in tests. */
export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

export const processIo = (): CliIo => ({ stdout: process.stdout, stderr: process.stderr });
