/** A number field: non-empty and finite. Returns the value, or the reason it is not one. */
export function parseNumberField(raw: string): number | string {
  const s = raw.trim();
  if (s === '') return 'is empty';
  const v = Number(s);
  if (Number.isNaN(v)) return s.toLowerCase() === 'nan' ? 'is NaN' : `is not a number ("${s}")`;
  if (!Number.isFinite(v)) return `is not finite ("${s}")`;
  return v;
}
