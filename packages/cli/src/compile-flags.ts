/** The options every program-level command shares to compile a model or preset on the spot. */

import { DEFAULT_QUEUES, PRESET_NAMES } from '@megakernel/runtime';
import { type Command, Option } from 'commander';
import { positiveInteger } from './arguments.js';

export function addCompileFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--preset <name>', 'a published model shape instead of a TARGET').choices(PRESET_NAMES),
    )
    .option(
      '--queues <n>',
      `instruction queues, one per SM (default ${DEFAULT_QUEUES}, an H100 SXM or H200)`,
      positiveInteger,
    )
    .option(
      '--max-seq-len <n>',
      'context length (default: the model positions, at most 4096)',
      positiveInteger,
    )
    .addOption(
      new Option('--kv-dtype <dtype>', 'KV-cache element type (default bf16)').choices(['bf16', 'f32']),
    )
    .option('--no-check-weights', 'skip the NaN/Inf scan of the weights at load');
}
