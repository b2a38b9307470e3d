/**
 * Turns any failure into one line that names the problem and says what to do, and an exit code:
 * 2 for a wrong command line or option value, 1 for everything else.
 */
import {
  BackendUnavailableError,
  ChatTemplateError,
  CheckpointFolderError,
  CompileError,
  ConfigError,
  ContextLengthError,
  MissingTensorError,
  OptionError,
  ProgramFileError,
  ProgramFormatError,
  ProgramLimitError,
  ProgramModelMismatchError,
  ProgramValidationError,
  ProgramVerifyError,
  PromptError,
  SafetensorsFormatError,
  TensorShapeError,
  UnsupportedArchitectureError,
} from '@megakernel/runtime';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from './exit-codes.js';

export interface Failure {
  readonly line: string;
  readonly exitCode: number;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ').trim();

/** `command` names the subcommand that ran, for usage hints (`see 'megakernel verify --help'`). */
export function describeFailure(error: unknown, command?: string): Failure {
  const message = error instanceof Error ? error.message : String(error);
  const hint = adviceFor(error, command);
  const usage = error instanceof UsageError || error instanceof OptionError;
  return {
    line: oneLine(`megakernel: ${message}${hint === '' ? '' : ` (${hint})`}`),
    exitCode: usage ? EXIT_USAGE : EXIT_FAILURE,
  };
}

function adviceFor(e: unknown, command: string | undefined): string {
  // Said without naming --model: the folder may have come as the positional argument (verify, compile).
  if (e instanceof CheckpointFolderError) {
    return 'give a Hugging Face checkpoint folder with config.json and *.safetensors, or no model for the embedded one';
  }
  if (e instanceof SafetensorsFormatError)
    return 'the weights file is damaged or not safetensors; download the checkpoint again';
  if (e instanceof UnsupportedArchitectureError) return 'convert the model to one of the supported families';
  if (e instanceof ConfigError || e instanceof MissingTensorError || e instanceof TensorShapeError) {
    return 'the checkpoint does not match its config.json; use a checkpoint saved by transformers';
  }
  if (e instanceof ContextLengthError) {
    return "shorten the prompt, lower --max-tokens or raise --max-seq-len up to the model's positions";
  }
  if (e instanceof PromptError) return 'give a non-empty prompt, or --ids within the vocabulary';
  if (e instanceof BackendUnavailableError)
    return `run 'megakernel doctor' for details, or ${e.alternative ?? 'use --backend cpu'}`;
  if (e instanceof ChatTemplateError) return 'leave out --chat and give a plain prompt';
  if (e instanceof ProgramFileError) return "check the path, or write a program with 'megakernel compile'";
  if (
    e instanceof ProgramValidationError ||
    e instanceof ProgramVerifyError ||
    e instanceof ProgramLimitError
  )
    return "the program file is corrupted; compile it again with 'megakernel compile'";
  if (e instanceof ProgramModelMismatchError)
    return 'pass --model the checkpoint the program was compiled from, or compile one for this model';
  if (e instanceof ProgramFormatError)
    return "not a megakernel program file; write one with 'megakernel compile'";
  if (e instanceof CompileError) return 'see --queues and --max-seq-len, or report the model';
  if (e instanceof UsageError || e instanceof OptionError)
    return `see 'megakernel ${command === undefined ? '' : `${command} `}--help'`;
  const code = (e as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOENT') return 'check the path';
  if (code === 'EACCES' || code === 'EISDIR') return 'check the path and its permissions';
  return '';
}
