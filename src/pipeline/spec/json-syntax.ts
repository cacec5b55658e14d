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
  return new JsonScanner(text).scan();
}

/** The scanner's state (position, duplicates found) and one method per JSON production. */
class JsonScanner {
  private pos = 0;
  private readonly duplicates: DuplicateKey[] = [];

  constructor(private readonly text: string) {}

  scan(): JsonScan {
    try {
      if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1; // byte-order mark
      this.value('');
      this.space();
      if (this.pos < this.text.length) this.fail('the end of the file after the top-level value');
      return { duplicates: this.duplicates };
    } catch (e) {
      if (e instanceof ScanError) return { error: { offset: e.offset, message: e.message }, duplicates: this.duplicates };
      throw e;
    }
  }

  private describe(at: number): string {
    if (at >= this.text.length) return 'the end of the file';
    const ch = this.text[at]!;
    if (ch === '/' && (this.text[at + 1] === '/' || this.text[at + 1] === '*')) return 'a comment (JSON has none)';
    if (ch === "'") return "' (JSON strings take double quotes)";
    if (ch === '"') {
      const m = /^"(?:[^"\\\n]|\\.){0,30}"?/.exec(this.text.slice(at))![0];
      return `${m}${m.endsWith('"') && m.length > 1 ? '' : '…'}`;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(this.text.slice(at))?.[0];
    return word ? `"${word.length > 20 ? `${word.slice(0, 20)}…` : word}"` : `"${ch}"`;
  }
  private fail(expected: string, at = this.pos): never { throw new ScanError(at, `expected ${expected}, found ${this.describe(at)}`); }

  private space(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos]!)) this.pos++;
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) throw new ScanError(start, 'string is not closed (missing ")');
      const ch = this.text[this.pos]!;
      if (ch === '"') { this.pos++; return out; }
      if (ch === '\n') throw new ScanError(start, 'string is not closed before the end of the line (missing ")');
      if (ch < ' ') throw new ScanError(this.pos, 'control character inside a string (write it as an escape, e.g. \\t)');
      if (ch === '\\') {
        const e = this.text[this.pos + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) throw new ScanError(this.pos, 'bad \\u escape (needs four hex digits)');
          out += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
          continue;
        }
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === undefined || simple[e] === undefined) throw new ScanError(this.pos, `bad escape "\\${e ?? ''}" in a string (a Windows path needs \\\\ or /)`);
        out += simple[e];
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) this.fail('a number');
    this.pos += m![0].length;
    if (/[\w.]/.test(this.text[this.pos] ?? '')) this.fail("',' or the end of the value");
  }

  private value(pointer: string): void {
    this.space();
    const ch = this.text[this.pos];
    if (ch === '{') return this.object(pointer);
    if (ch === '[') return this.array(pointer);
    if (ch === '"') { this.string(); return; }
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos) && !/[\w$]/.test(this.text[this.pos + word.length] ?? '')) { this.pos += word.length; return; }
    }
    this.fail('a value (string, number, true, false, null, object or array)');
  }

  private object(pointer: string): void {
    this.pos++;
    const seen = new Map<string, number>();
    this.space();
    if (this.text[this.pos] === '}') { this.pos++; return; }
    for (;;) {
      this.space();
      if (this.text[this.pos] !== '"') this.fail(this.text[this.pos] === '}' ? 'a property name (no comma after the last property)' : 'a property name in double quotes');
      const keyOffset = this.pos;
      const key = this.string();
      const child = `${pointer}/${escapePointer(key)}`;
      const first = seen.get(key);
      if (first !== undefined) this.duplicates.push({ pointer: child, offset: keyOffset, firstOffset: first });
      else seen.set(key, keyOffset);
      this.space();
      if (this.text[this.pos] !== ':') this.fail(`':' after the property name "${key}"`);
      this.pos++;
      this.value(child);
      this.space();
      if (this.text[this.pos] === ',') { this.pos++; continue; }
      if (this.text[this.pos] === '}') { this.pos++; return; }
      this.fail(`',' or '}' after the property value${this.text[this.pos] === '"' ? ' (a comma missing at the end of the previous property?)' : ''}`);
    }
  }

  private array(pointer: string): void {
    this.pos++;
    this.space();
    if (this.text[this.pos] === ']') { this.pos++; return; }
    for (let i = 0; ; i++) {
      this.space();
      if (this.text[this.pos] === ']') this.fail('a value (no comma after the last item)');
      this.value(`${pointer}/${i}`);
      this.space();
      if (this.text[this.pos] === ',') { this.pos++; continue; }
      if (this.text[this.pos] === ']') { this.pos++; return; }
      this.fail(`',' or ']' after the item${this.pos < this.text.length && ',]}'.indexOf(this.text[this.pos]!) < 0 ? ' (a comma missing?)' : ''}`);
    }
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
