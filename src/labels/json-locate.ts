/**
 * Maps a JSON pointer (as ajv reports it, e.g. "/sigma/2/0") to the line its
 * value starts on in the source text, so schema errors can name file and line.
 * A small tokenizer, used only on the error path.
 */

export function lineOfPointer(text: string, pointer: string): number | undefined {
  const target = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  try { return new PointerScanner(text, target).walk(0); } catch { return undefined; }
}

/** A forward scan of JSON text that follows a pointer's path, counting lines as it goes. */
class PointerScanner {
  private pos = 0;
  private line = 1;

  constructor(private readonly text: string, private readonly target: readonly string[]) {}

  /** Skips one value; on the path, descends instead and returns the target's line. */
  walk(depth: number): number | undefined {
    this.skip();
    if (depth === this.target.length) return this.line;
    const ch = this.text[this.pos];
    if (ch !== '{' && ch !== '[') return undefined;
    this.pos++;
    const want = ch === '[' ? Number(this.target[depth]) : -1;
    for (let i = 0; ; i++) {
      this.skip();
      if (this.text[this.pos] === (ch === '{' ? '}' : ']')) { this.pos++; return undefined; }
      if (ch === '{') {
        const key = this.readString();
        this.skip(); this.pos++; // colon
        if (key === this.target[depth]) return this.walk(depth + 1);
      } else if (i === want) return this.walk(depth + 1);
      this.skipValue();
      this.skip();
      if (this.text[this.pos] === ',') this.pos++;
    }
  }

  private skip(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const ch = text[this.pos]!;
      if (ch === '\n') this.line++;
      else if (ch !== ' ' && ch !== '\t' && ch !== '\r') return;
      this.pos++;
    }
  }

  private readString(): string {
    const text = this.text;
    let out = '';
    this.pos++; // opening quote
    while (this.pos < text.length && text[this.pos] !== '"') {
      if (text[this.pos] === '\\') { out += text.slice(this.pos, this.pos + 2); this.pos += 2; } else out += text[this.pos++];
    }
    this.pos++;
    try { return JSON.parse(`"${out}"`) as string; } catch { return out; }
  }

  private skipValue(): void {
    const text = this.text;
    this.skip();
    const ch = text[this.pos];
    if (ch === '"') { this.readString(); return; }
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      this.pos++;
      for (;;) {
        this.skip();
        if (this.pos >= text.length) return;
        if (text[this.pos] === close) { this.pos++; return; }
        if (ch === '{') { this.readString(); this.skip(); this.pos++; }
        this.skipValue();
        this.skip();
        if (text[this.pos] === ',') this.pos++;
      }
    }
    while (this.pos < text.length && !/[,\]}\s]/.test(text[this.pos]!)) this.pos++;
  }
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
