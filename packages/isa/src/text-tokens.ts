/**
 * Splits one line of the text form into tokens: whitespace separates tokens except inside a JSON
 * string or between matching brackets, and `#` outside those starts a comment.
 */
import { AsmSyntaxError } from './errors.js';

export function splitTokens(line: string, lineNo: number): string[] {
  const tokens: string[] = [];
  let cur = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (inString) {
      cur += ch;
      if (ch === '\\') {
        cur += line[++i] ?? '';
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (depth === 0 && ch === '#') break;
    if (depth < 0) throw new AsmSyntaxError(lineNo, `unbalanced '${ch}'`);
    if (depth === 0 && /\s/.test(ch)) {
      if (cur) tokens.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (inString || depth !== 0) throw new AsmSyntaxError(lineNo, 'unterminated string or bracket');
  if (cur) tokens.push(cur);
  return tokens;
}

/** Splits `key=value` at the first '='. */
export function splitKeyValue(token: string, lineNo: number): [string, string] {
  const eq = token.indexOf('=');
  if (eq <= 0) throw new AsmSyntaxError(lineNo, `expected key=value, got '${token}'`);
  return [token.slice(0, eq), token.slice(eq + 1)];
}

/** A u32-range integer in decimal or 0x hex; undefined when the text is not one. */
export function parseUint(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return Number.parseInt(text.slice(2), 16);
  return undefined;
}
