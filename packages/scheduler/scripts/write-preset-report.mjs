// Writes docs/reports/schedule-presets.md from the built package (run by `pnpm report` after tsup).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const { renderPresetReport, PRESET_REPORT_PATH } = await import(resolve(here, '../dist/index.js'));
const target = resolve(here, '../../..', PRESET_REPORT_PATH);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, renderPresetReport());
console.log(`wrote ${target}`);
