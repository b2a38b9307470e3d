import { runCli } from './cli.js';

// A closed pipe (`megakernel generate ... | head`) is not an error: stop quietly.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Exit through exitCode so stdout (possibly a pipe) drains before the process ends.
runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
