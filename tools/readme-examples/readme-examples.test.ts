/**
 * Every ```ts block of every README is a tested example. A block is written into its package's folder
 * (so `@megakernel/...` resolves exactly as it would for a user of that package: the package itself and
 * its declared dependencies, through their built dist/ and exports), type-checked as a consumer's
 * NodeNext ES module, and run with Node from a scratch folder. A block fenced as ```ts typecheck is only
 * type-checked (it needs a GPU, a checkpoint at a placeholder path, or writes hundreds of MB); the
 * README says what it stands for. A second check compiles `import * as m from '<pkg>'` for every package
 * without @types/node, so no published declaration file needs node types it does not declare.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const PACKAGES = fs.readdirSync(path.join(REPO, 'packages')).sort();
const SCRATCH = '.readme-examples';

interface Example {
  readonly readme: string;
  readonly pkgDir: string;
  readonly index: number;
  readonly line: number;
  readonly code: string;
  readonly run: boolean;
}

function examplesOf(readme: string): Example[] {
  const lines = fs.readFileSync(readme, 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = lines[i]!.match(/^```(ts|typescript)(?:\s+(\S+))?\s*$/);
    if (!m) continue;
    if (m[2] !== undefined && m[2] !== 'typecheck')
      throw new Error(`${readme}:${i + 1}: unknown fence tag ${m[2]}`);
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    out.push({
      readme,
      pkgDir: path.dirname(readme),
      index: out.length,
      line: start,
      code: lines.slice(start, end).join('\n'),
      run: m[2] !== 'typecheck',
    });
    i = end;
  }
  return out;
}

const readmes = [
  path.join(REPO, 'README.md'),
  ...PACKAGES.map((p) => path.join(REPO, 'packages', p, 'README.md')),
];
const examples = readmes.filter((f) => fs.existsSync(f)).flatMap(examplesOf);
const label = (e: Example) => `${path.relative(REPO, e.readme)}:${e.line}`;
const scratchDirs = new Set<string>();

function writeExample(e: Example): string {
  // The repository root has no package of its own; its examples resolve like the runtime's user.
  const dir = path.join(e.pkgDir === REPO ? path.join(REPO, 'packages', 'runtime') : e.pkgDir, SCRATCH);
  fs.mkdirSync(dir, { recursive: true });
  scratchDirs.add(dir);
  const file = path.join(dir, `readme-${e.index}.ts`);
  // `export {}` makes every block a module (top-level await, no global name clashes).
  fs.writeFileSync(file, `${e.code}\nexport {};\n`);
  return file;
}

function typecheck(files: string[], types: string[]): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types,
    strict: true,
    noEmit: true,
    skipLibCheck: false,
  });
  // Only our own files count: the examples and the packages' published declarations (dist/).
  const ours = (f: string | undefined) =>
    f === undefined || (f.startsWith(REPO) && !f.split(path.sep).includes('node_modules'));
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => ours(d.file?.fileName))
    .map((d) =>
      ts.formatDiagnostic(d, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => REPO,
        getNewLine: () => '\n',
      }),
    );
}

afterAll(() => {
  for (const d of scratchDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('README examples', () => {
  it('finds the ts blocks of the package READMEs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  for (const e of examples) {
    describe(label(e), () => {
      const file = writeExample(e);

      it('type-checks as a NodeNext ES module of its package', () => {
        expect(typecheck([file], ['node'])).toEqual([]);
      });

      // Blocks fenced ```ts typecheck are not run (the README says why); no skipped test stands for them.
      if (!e.run) return;
      it('runs with Node', () => {
        const js = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        const jsFile = file.replace(/\.ts$/, '.mjs');
        fs.writeFileSync(jsFile, js);
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'megakernel-readme-'));
        try {
          const r = spawnSync(process.execPath, [jsFile], { cwd, encoding: 'utf8', timeout: 120_000 });
          expect(r.stderr, `${label(e)} wrote to stderr`).toBe('');
          expect(r.status, `${label(e)} exited with ${r.status}:\n${r.stdout}`).toBe(0);
        } finally {
          fs.rmSync(cwd, { recursive: true, force: true });
        }
      }, 180_000);
    });
  }
});

describe('published declarations need no @types/node', () => {
  it('every package type-checks for a consumer without node types', () => {
    const failures: string[] = [];
    for (const p of PACKAGES) {
      const pkgDir = path.join(REPO, 'packages', p);
      const name = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).name as string;
      const file = path.join(pkgDir, SCRATCH, 'import-only.ts');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      scratchDirs.add(path.dirname(file));
      fs.writeFileSync(file, `import * as m from '${name}';\nexport const keys = Object.keys(m);\n`);
      failures.push(...typecheck([file], []).map((d) => `${name}: ${d}`));
    }
    expect(failures).toEqual([]);
  });
});
