/** `megakernel doctor`: what this machine can run, and why the GPU path is off when it is. */

import { diagnose } from '@megakernel/runtime';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';

export function registerDoctor(program: Command, ctx: CommandContext): void {
  program
    .command('doctor')
    .description('check Node.js, the CUDA addon and the GPU')
    .action(async () => {
      const d = await diagnose();
      for (const [label, value] of d.lines) ctx.out(`${`${label}:`.padEnd(22)} ${value}`);
      ctx.out(
        d.gpuPath.ok ? `GPU path: on (${d.gpuPath.reason})` : `GPU path: off, because ${d.gpuPath.reason}`,
      );
    });
}
