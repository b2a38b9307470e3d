/**
 * `megakernel schedule --svg FILE`: a per-queue Gantt chart of one decode step, from the cost model,
 * or measured by the kernel's own timestamps with --measured on a Hopper GPU.
 */
import * as fs from 'node:fs';
import {
  BackendUnavailableError,
  estimateCosts,
  measureSchedule,
  probeCuda,
  renderScheduleSvg,
  type ScheduleEstimate,
} from '@megakernel/runtime';
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import { addCompileFlags } from '../compile-flags.js';
import type { CommandContext } from '../context.js';
import { type CompileFlags, checkpointFor, resolveTarget, type Target } from '../target.js';

interface ScheduleFlags extends CompileFlags {
  svg: string;
  context?: number;
  measured?: boolean;
  model?: string;
  width?: number;
}

export function registerSchedule(program: Command, ctx: CommandContext): void {
  addCompileFlags(
    program
      .command('schedule')
      .description(
        'draw one decode step per queue as an SVG Gantt chart (cost model, or measured on the GPU)',
      )
      .argument('[target]', "program file or model folder ('default': the embedded model)"),
  )
    .requiredOption('--svg <file>', 'SVG file to write')
    .option(
      '--context <n>',
      'tokens visible to attention in the estimate (default: max-seq-len)',
      positiveInteger,
    )
    .option('--measured', "time the step with the kernel's timestamps on the GPU (needs a working GPU)")
    .option('--model <dir>', 'weights for a program file with --measured (presets use random weights)')
    .option('--width <px>', 'plot width in pixels (default 1200)', positiveInteger)
    .action(async (arg: string | undefined, flags: ScheduleFlags) => {
      const progress = ctx.progress();
      let target: Target;
      try {
        target = resolveTarget(arg, flags, progress);
      } finally {
        progress.stop();
      }
      try {
        const estimate = flags.measured
          ? await measured(target, flags)
          : estimateCosts(target.program, contextOf(flags));
        const how = flags.measured ? 'measured on the GPU' : `estimated at context ${estimate.context}`;
        const what = `${target.program.queues.length} queues, ${estimate.makespanUs.toFixed(1)} µs per token ${how}`;
        const svg = renderScheduleSvg(target.program, estimate, {
          ...(flags.width === undefined ? {} : { width: flags.width }),
          title: `${target.name}: ${target.program.config.numLayers} layers, ${what}`,
        });
        fs.writeFileSync(flags.svg, svg);
        ctx.out(`wrote ${flags.svg}: ${what}`);
      } finally {
        if (target.kind === 'model') target.checkpoint.close();
      }
    });
}

const contextOf = (flags: ScheduleFlags) => (flags.context === undefined ? {} : { context: flags.context });

async function measured(target: Target, flags: ScheduleFlags): Promise<ScheduleEstimate> {
  const probe = await probeCuda();
  if (!probe.ok)
    throw new BackendUnavailableError(
      'cuda',
      `--measured needs the GPU: ${probe.reason}`,
      "leave out --measured for the cost model's estimate",
    );
  if (target.kind === 'preset') return measureSchedule(target.program, null);
  const checkpoint = checkpointFor(target, flags.model, flags);
  return measureSchedule(target.program, checkpoint);
}
