/**
 * Maps a JSON pointer (as ajv reports it, e.g. "/sigma/2/0") to the line its
 * value starts on in the source text, so schema errors can name file and line.
 * A small tokenizer, used only on the error path.
 */

export function lineOfPointer(text: string, pointer: string): number | undefined {
  const target = pointer === '' ? [] : pointer.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let pos = 0, line = 1;
  const skip = (): void => {
    while (pos < text.length) {
      const ch = text[pos]!;
      if (ch === '\n') line++;
      else if (ch !== ' ' && ch !== '\t' && ch !== '\r') return;
      pos++;
    }
  };
  const readString = (): string => {
    let out = '';
    pos++; // opening quote
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\') { out += text.slice(pos, pos + 2); pos += 2; } else out += text[pos++];
    }
    pos++;
    try { return JSON.parse(`"${out}"`) as string; } catch { return out; }
  };
  // Skips one value; on the path, descends instead and returns the target's line.
  const walk = (depth: number): number | undefined => {
    skip();
    if (depth === target.length) return line;
    const ch = text[pos];
    if (ch === '{') {
      pos++;
      for (;;) {
        skip();
        if (text[pos] === '}') { pos++; return undefined; }
        const key = readString();
        skip(); pos++; // colon
        if (key === target[depth]) return walk(depth + 1);
        skipValue();
        skip();
        if (text[pos] === ',') pos++;
      }
    }
    if (ch === '[') {
      pos++;
      const want = Number(target[depth]);
      for (let i = 0; ; i++) {
        skip();
        if (text[pos] === ']') { pos++; return undefined; }
        if (i === want) return walk(depth + 1);
        skipValue();
        skip();
        if (text[pos] === ',') pos++;
      }
    }
    return undefined;
  };
  const skipValue = (): void => {
    skip();
    const ch = text[pos];
    if (ch === '"') { readString(); return; }
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      pos++;
      for (;;) {
        skip();
        if (pos >= text.length) return;
        if (text[pos] === close) { pos++; return; }
        if (ch === '{') { readString(); skip(); pos++; }
        skipValue();
        skip();
        if (text[pos] === ',') pos++;
      }
    }
    while (pos < text.length && !/[,\]}\s]/.test(text[pos]!)) pos++;
  };
  try { return walk(0); } catch { return undefined; }
}

/** 1-based line of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
}
