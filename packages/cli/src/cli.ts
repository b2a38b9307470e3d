/**
 * The `megakernel` command: commander wiring, exit codes and one-line errors. Commands live in
 * commands/<name>.ts; this file only assembles them and decides how a run ends.
 */
import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerBuildAddon } from './commands/build-addon.js';
import { registerCompile } from './commands/compile.js';
import { registerDisasm } from './commands/disasm.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGenerate } from './commands/generate.js';
import { registerInspect } from './commands/inspect.js';
import { registerSchedule } from './commands/schedule.js';
import { registerVerify } from './commands/verify.js';
import { commandContext } from './context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { describeFailure } from './failure.js';
import { type CliIo, processIo } from './io.js';
import { VERSION } from './version.js';

/** Commander's codes for a run that printed help or the version: not failures. */
const CLEAN_EXITS = new Set(['commander.helpDisplayed', 'commander.help', 'commander.version']);

function buildProgram(io: CliIo): Command {
  const program = new Command('megakernel')
    .description(
      'compile Hugging Face checkpoints into megakernel programs and run them on the CPU VM or a Hopper GPU',
    )
    .version(VERSION)
    .option('--debug', 'print stack traces on errors')
    // Settings before the subcommands: commander copies them into each one .command() creates.
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's own errors (unknown flag, bad value, missing argument) as one line.
      outputError: (s, write) =>
        write(
          `megakernel: ${s
            .replace(/^error: /, '')
            .replace(/\s*\n\s*/g, ' ')
            .trim()} (see --help)\n`,
        ),
    });
  const ctx = commandContext(io);
  for (const register of [
    registerGenerate,
    registerCompile,
    registerDisasm,
    registerInspect,
    registerSchedule,
    registerVerify,
    registerBench,
    registerDoctor,
    registerBuildAddon,
  ]) {
    register(program, ctx);
  }
  return program;
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = buildProgram(io);
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof CommanderError) return CLEAN_EXITS.has(e.code) ? EXIT_OK : EXIT_USAGE;
    // The subcommand that failed, for a usage hint that names it.
    const names = new Set(program.commands.map((c) => c.name()));
    const failure = describeFailure(
      e,
      argv.find((a) => names.has(a)),
    );
    io.stderr.write(`${failure.line}\n`);
    if (argv.includes('--debug') && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return failure.exitCode === EXIT_OK ? EXIT_FAILURE : failure.exitCode;
  }
}
