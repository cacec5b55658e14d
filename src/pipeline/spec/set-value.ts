/** The value of a `--set key=value`: JSON when it parses (`[1,2]`, `0.3`, `true`), else the text itself (`/data/affectnet`). */
export function parseValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
