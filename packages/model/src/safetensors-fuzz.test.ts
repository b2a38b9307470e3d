/**
 * Time-bounded fuzzing of a checkpoint's model.safetensors: random mutations of llama-tiny's length
 * field and JSON header (where a change alters what the bytes mean) and, now and then, of its data.
 * Every case must end in a ModelError (the package's named errors), or load with exactly the weights
 * of the original (a harmless edit, e.g. in __metadata__). A header edit that loads different weights
 * would be a silent accept and fails the test; so does any other error class.
 *
 * At least MEGAKERNEL_FUZZ_CASES cases (default 10,000; test-support/fuzz.ts); MEGAKERNEL_FUZZ_SEED replays a run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CASE_LIMIT_MS,
  FUZZ_CASES,
  FUZZ_SEED,
  FUZZ_TEST_TIMEOUT_MS,
  fuzzContinues,
  seededRandom,
} from '../../../test-support/fuzz.js';
import { loadCheckpoint } from './checkpoint.js';
import { ModelError } from './errors.js';
import { fixtureDir, useTempDirs } from './test-helpers.js';

const tempDir = useTempDirs();

type Outcome = 'refused' | 'same-weights' | 'data-edit-loaded';

describe('safetensors fuzzing', () => {
  it(
    `mutated headers end in a named error or the original weights (seed ${FUZZ_SEED}, ≥ ${FUZZ_CASES} cases)`,
    () => {
      const src = fixtureDir('llama-tiny');
      const original = new Uint8Array(fs.readFileSync(path.join(src, 'model.safetensors')));
      const headerEnd = 8 + Number(new DataView(original.buffer).getBigUint64(0, true));
      const dir = tempDir();
      fs.copyFileSync(path.join(src, 'config.json'), path.join(dir, 'config.json'));
      const file = path.join(dir, 'model.safetensors');

      const reference = loadCheckpoint(src);
      const roles = reference.roles();
      const weights = roles.map((r) => reference.weight(r.role, r.layer));
      reference.close();

      const next = seededRandom(FUZZ_SEED);
      const pick = (n: number) => Math.floor(next() * n);
      const counts: Record<Outcome, number> = { refused: 0, 'same-weights': 0, 'data-edit-loaded': 0 };
      const problems: string[] = [];
      const start = performance.now();
      let cases = 0;
      while (fuzzContinues(cases, start)) {
        const kind = pick(20);
        let bytes: Uint8Array;
        let dataEdit = false;
        if (kind === 0) bytes = original.subarray(0, pick(original.byteLength));
        else if (kind === 1) bytes = Uint8Array.from([...original, ...new Uint8Array(1 + pick(16))]);
        else {
          bytes = new Uint8Array(original);
          const inHeader = kind < 18;
          dataEdit = !inHeader;
          const at = () => (inHeader ? pick(headerEnd) : headerEnd + pick(original.byteLength - headerEnd));
          for (let n = 1 + pick(3); n > 0; n--) {
            if (next() < 0.7) bytes[at()]! ^= 1 << pick(8);
            else bytes[at()] = pick(256);
          }
        }
        fs.writeFileSync(file, bytes);
        const t0 = performance.now();
        let outcome: Outcome;
        try {
          const c = loadCheckpoint(dir);
          try {
            const same = roles.every((r, i) => {
              const w = c.weight(r.role, r.layer);
              const e = weights[i]!;
              return w.length === e.length && Buffer.from(w.buffer).equals(Buffer.from(e.buffer));
            });
            if (same) outcome = 'same-weights';
            else if (dataEdit) outcome = 'data-edit-loaded';
            else {
              problems.push(`case ${cases}: a header edit loaded different weights`);
              outcome = 'same-weights';
            }
          } finally {
            c.close();
          }
        } catch (e) {
          if (!(e instanceof ModelError)) {
            throw new Error(
              `seed ${FUZZ_SEED}, case ${cases}: unnamed error ${(e as Error).name}: ${(e as Error).message}`,
            );
          }
          outcome = 'refused';
        }
        const ms = performance.now() - t0;
        if (ms > CASE_LIMIT_MS) problems.push(`case ${cases} took ${ms.toFixed(0)} ms`);
        counts[outcome]++;
        cases++;
      }
      console.log(
        `safetensors fuzz: seed ${FUZZ_SEED}, ${cases} cases: ${counts.refused} refused, ${counts['same-weights']} loaded ` +
          `the original weights, ${counts['data-edit-loaded']} data-byte edits loaded (weights are data), ` +
          `${problems.length} problems, 0 unnamed errors`,
      );
      expect(problems, `seed ${FUZZ_SEED}`).toEqual([]);
      expect(
        cases,
        `seed ${FUZZ_SEED}: the time cap stopped the run short of ${FUZZ_CASES} cases`,
      ).toBeGreaterThanOrEqual(FUZZ_CASES);
    },
    FUZZ_TEST_TIMEOUT_MS,
  );
});
