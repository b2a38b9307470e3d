// Writes the generated artifacts from the built package (tsup runs first, see package.json):
//   header -> packages/cuda-hopper/csrc/generated/isa.h     docs -> the generated section of ISA.md
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const isa = await import(resolve(here, '../dist/index.js'));
const what = process.argv[2] ?? 'all';

if (what === 'header' || what === 'all') {
  const target = resolve(here, '../../..', isa.CPP_HEADER_PATH);
  writeFileSync(target, isa.generateCppHeader());
  console.log(`wrote ${target}`);
}
if (what === 'docs' || what === 'all') {
  const target = resolve(here, '../ISA.md');
  const text = readFileSync(target, 'utf8');
  const begin = text.indexOf(isa.ISA_TABLES_BEGIN);
  const end = text.indexOf(isa.ISA_TABLES_END);
  if (begin < 0 || end < begin)
    throw new Error(`ISA.md lacks the ${isa.ISA_TABLES_BEGIN} / ${isa.ISA_TABLES_END} markers`);
  const updated = `${text.slice(0, begin + isa.ISA_TABLES_BEGIN.length)}\n${isa.generateIsaTables()}\n${text.slice(end)}`;
  writeFileSync(target, updated);
  console.log(`wrote ${target}`);
}
