/**
 * A strict JSON scanner for spec files: where JSON.parse only says "not valid
 * JSON" (and, in Node 20, not always where), this names the line and column
 * and what was expected there. It also finds keys given twice in one object,
 * which JSON.parse silently resolves to the last.
 */

export interface JsonSyntaxError {
  readonly offset: number;
  readonly message: string;
}

export interface DuplicateKey {
  /** JSON pointer of the repeated property. */
  readonly pointer: string;
  readonly offset: number;
  readonly firstOffset: number;
}

export interface JsonScan {
  readonly error?: JsonSyntaxError;
  readonly duplicates: readonly DuplicateKey[];
}

class ScanError extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

const escapePointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function scanJson(text: string): JsonScan {
  let pos = 0;
  const duplicates: DuplicateKey[] = [];

  const describe = (at: number): string => {
    if (at >= text.length) return 'the end of the file';
    const ch = text[at]!;
    if (ch === '/' && (text[at + 1] === '/' || text[at + 1] === '*')) return 'a comment (JSON has none)';
    if (ch === "'") return "' (JSON strings take double quotes)";
    if (ch === '"') {
      const m = /^"(?:[^"\\\n]|\\.){0,30}"?/.exec(text.slice(at))![0];
      return `${m}${m.endsWith('"') && m.length > 1 ? '' : '…'}`;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(at))?.[0];
    return word ? `"${word.length > 20 ? `${word.slice(0, 20)}…` : word}"` : `"${ch}"`;
  };
  const fail = (expected: string, at = pos): never => { throw new ScanError(at, `expected ${expected}, found ${describe(at)}`); };

  const space = (): void => {
    while (pos < text.length && ' \t\r\n'.includes(text[pos]!)) pos++;
  };

  const string = (): string => {
    const start = pos;
    pos++; // opening quote
    let out = '';
    for (;;) {
      if (pos >= text.length) throw new ScanError(start, 'string is not closed (missing ")');
      const ch = text[pos]!;
      if (ch === '"') { pos++; return out; }
      if (ch === '\n') throw new ScanError(start, 'string is not closed before the end of the line (missing ")');
      if (ch < ' ') throw new ScanError(pos, 'control character inside a string (write it as an escape, e.g. \\t)');
      if (ch === '\\') {
        const e = text[pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(pos + 2, pos + 6))) throw new ScanError(pos, 'bad \\u escape (needs four hex digits)');
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 6), 16));
          pos += 6;
          continue;
        }
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === undefined || simple[e] === undefined) throw new ScanError(pos, `bad escape "\\${e ?? ''}" in a string (a Windows path needs \\\\ or /)`);
        out += simple[e];
        pos += 2;
        continue;
      }
      out += ch;
      pos++;
    }
  };

  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(pos));
    if (!m) fail('a number');
    pos += m![0].length;
    if (/[\w.]/.test(text[pos] ?? '')) fail("',' or the end of the value");
  };

  const value = (pointer: string): void => {
    space();
    const ch = text[pos];
    if (ch === '{') return object(pointer);
    if (ch === '[') return array(pointer);
    if (ch === '"') { string(); return; }
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, pos) && !/[\w$]/.test(text[pos + word.length] ?? '')) { pos += word.length; return; }
    }
    fail('a value (string, number, true, false, null, object or array)');
  };

  const object = (pointer: string): void => {
    pos++;
    const seen = new Map<string, number>();
    space();
    if (text[pos] === '}') { pos++; return; }
    for (;;) {
      space();
      if (text[pos] !== '"') fail(text[pos] === '}' ? 'a property name (no comma after the last property)' : 'a property name in double quotes');
      const keyOffset = pos;
      const key = string();
      const child = `${pointer}/${escapePointer(key)}`;
      const first = seen.get(key);
      if (first !== undefined) duplicates.push({ pointer: child, offset: keyOffset, firstOffset: first });
      else seen.set(key, keyOffset);
      space();
      if (text[pos] !== ':') fail(`':' after the property name "${key}"`);
      pos++;
      value(child);
      space();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === '}') { pos++; return; }
      fail(`',' or '}' after the property value${text[pos] === '"' ? ' (a comma missing at the end of the previous property?)' : ''}`);
    }
  };

  const array = (pointer: string): void => {
    pos++;
    space();
    if (text[pos] === ']') { pos++; return; }
    for (let i = 0; ; i++) {
      space();
      if (text[pos] === ']') fail('a value (no comma after the last item)');
      value(`${pointer}/${i}`);
      space();
      if (text[pos] === ',') { pos++; continue; }
      if (text[pos] === ']') { pos++; return; }
      fail(`',' or ']' after the item${pos < text.length && ',]}'.indexOf(text[pos]!) < 0 ? ' (a comma missing?)' : ''}`);
    }
  };

  try {
    if (text.charCodeAt(0) === 0xfeff) pos = 1; // byte-order mark
    value('');
    space();
    if (pos < text.length) fail('the end of the file after the top-level value');
    return { duplicates };
  } catch (e) {
    if (e instanceof ScanError) return { error: { offset: e.offset, message: e.message }, duplicates };
    throw e;
  }
}

/** 1-based line and column of a character offset. */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  let line = 1, lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') { line++; lineStart = i + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}
