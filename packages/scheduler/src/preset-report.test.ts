import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRESET_REPORT_PATH, presetReports, renderPresetReport } from './preset-report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('preset schedule report', () => {
  const reports = presetReports();

  it.each(
    reports.map((r) => [r.name, r] as const),
  )('%s streams exactly the weights plus the KV rows of its context (within 1%)', (_, {
    report,
    expected,
  }) => {
    const got = report.bytesPerToken.weights + report.bytesPerToken.kv;
    const want = expected.weights + expected.kv;
    expect(Math.abs(got - want) / want).toBeLessThan(0.01);
    expect(Math.abs(report.bytesPerToken.kv - expected.kv) / expected.kv).toBeLessThan(0.01);
  });

  it.each(reports.map((r) => [r.name, r] as const))('%s keeps the queues balanced', (_, { report }) => {
    expect(report.estimate.imbalance).toBeLessThan(1.15);
    expect(report.estimate.makespanUs).toBeGreaterThan(report.estimate.bandwidthFloorUs);
  });

  it(`the committed ${PRESET_REPORT_PATH} is up to date (regenerate: pnpm --filter @megakernel/scheduler report)`, () => {
    const committed = fs.readFileSync(path.join(ROOT, PRESET_REPORT_PATH), 'utf8');
    expect(committed).toBe(renderPresetReport(reports));
  });
});
