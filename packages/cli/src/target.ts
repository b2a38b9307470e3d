/**
 * What the program-level commands (compile, disasm, inspect, schedule, verify) work on: a program
 * file as it is, or a model folder / preset compiled on the spot with the command's options.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compileWithProgress,
  DEFAULT_MAX_SEQ_LEN,
  DEFAULT_QUEUES,
  type LoadedCheckpoint,
  loadCheckpoint,
  PRESET_NAMES,
  type Program,
  ProgramFileError,
  preset,
  type RuntimeModelConfig,
  readProgramFile,
  resolveModelDir,
} from '@megakernel/runtime';
import { UsageError } from './exit-codes.js';
import type { Progress } from './progress.js';

/** What `compile` names program files. */
export const PROGRAM_EXTENSION = '.mkp';

export interface CompileFlags {
  readonly preset?: string;
  readonly queues?: number;
  readonly maxSeqLen?: number;
  readonly kvDtype?: 'bf16' | 'f32';
  /** false with --no-check-weights: load weights without the NaN/Inf scan. */
  readonly checkWeights?: boolean;
}

export type Target =
  | { readonly kind: 'program'; readonly name: string; readonly program: Program }
  | {
      readonly kind: 'model';
      readonly name: string;
      readonly program: Program;
      readonly checkpoint: LoadedCheckpoint;
    }
  | { readonly kind: 'preset'; readonly name: string; readonly program: Program };

/** Resolves the TARGET argument (or --preset) and compiles when it is not a program already. */
export function resolveTarget(arg: string | undefined, flags: CompileFlags, progress: Progress): Target {
  if (arg !== undefined && flags.preset !== undefined)
    throw new UsageError('give a TARGET or --preset, not both');
  if (flags.preset !== undefined) {
    if (!(PRESET_NAMES as readonly string[]).includes(flags.preset)) {
      throw new UsageError(`unknown preset '${flags.preset}'; presets: ${PRESET_NAMES.join(', ')}`);
    }
    const config = preset(flags.preset);
    return { kind: 'preset', name: flags.preset, program: compileTarget(config, flags, progress) };
  }
  if (arg === undefined)
    throw new UsageError('missing TARGET: give a program file, a model folder or --preset NAME');
  // Any file is taken for a program (ProgramFormatError names it if it is not one); folders are models.
  if (fs.existsSync(arg) && fs.statSync(arg).isFile()) {
    if (flags.queues !== undefined || flags.maxSeqLen !== undefined || flags.kvDtype !== undefined) {
      throw new UsageError(
        `${arg} is already compiled; --queues, --max-seq-len and --kv-dtype apply to models`,
      );
    }
    return { kind: 'program', name: path.basename(arg), program: readProgramFile(arg) };
  }
  // A name that is not there and looks like a program file is a missing program, not a missing model.
  if (!fs.existsSync(arg) && path.extname(arg) === PROGRAM_EXTENSION)
    throw new ProgramFileError(arg, 'missing');
  const checkpoint = loadCheckpoint(resolveModelDir(arg), { checkWeights: flags.checkWeights ?? true });
  try {
    const program = compileTarget(checkpoint, flags, progress);
    return { kind: 'model', name: path.basename(checkpoint.dir), program, checkpoint };
  } catch (e) {
    checkpoint.close();
    throw e;
  }
}

export function defaultMaxSeqLen(config: RuntimeModelConfig): number {
  return Math.min(config.maxPositionEmbeddings, DEFAULT_MAX_SEQ_LEN);
}

/** The command's compile options applied to a model or preset (DEFAULT_QUEUES queues unless given). */
function compileTarget(
  model: LoadedCheckpoint | RuntimeModelConfig,
  flags: CompileFlags,
  progress: Progress,
): Program {
  const config = 'numLayers' in model ? model : model.config;
  return compileWithProgress(
    model,
    {
      queues: flags.queues ?? DEFAULT_QUEUES,
      maxSeqLen: flags.maxSeqLen ?? defaultMaxSeqLen(config),
      ...(flags.kvDtype === undefined ? {} : { kvDtype: flags.kvDtype }),
    },
    progress.listener,
  );
}

/** The checkpoint a program needs for its weights: the target's own, or --model. */
export function checkpointFor(
  target: Target,
  model: string | undefined,
  flags: Pick<CompileFlags, 'checkWeights'> = {},
): LoadedCheckpoint {
  if (target.kind === 'model' && model === undefined) return target.checkpoint;
  if (model === undefined) {
    throw new UsageError(
      target.kind === 'preset'
        ? 'a preset has no weights; give a model folder instead'
        : 'a program file carries no weights; add --model DIR (the checkpoint it was compiled from)',
    );
  }
  return loadCheckpoint(resolveModelDir(model), { checkWeights: flags.checkWeights ?? true });
}
