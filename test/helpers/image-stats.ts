/**
 * The statistics of test/fixtures/corruption-stats.json, as its producer
 * defines them: on values / 255, RMS and mean of (corrupted − clean), and the
 * ratio of gradient energy G(a) = mean((a[y+1,x]−a[y,x])²) + mean((a[y,x+1]−a[y,x])²).
 */
export function rmsDiff(clean: ArrayLike<number>, corrupted: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < clean.length; i++) { const d = (corrupted[i]! - clean[i]!) / 255; s += d * d; }
  return Math.sqrt(s / clean.length);
}

export function meanShift(clean: ArrayLike<number>, corrupted: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < clean.length; i++) s += (corrupted[i]! - clean[i]!) / 255;
  return s / clean.length;
}

export function gradientEnergy(a: ArrayLike<number>, width: number, height: number): number {
  let sv = 0, sh = 0;
  const stride = width * 3;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const i = y * stride + x * 3 + c;
        if (y + 1 < height) { const d = (a[i + stride]! - a[i]!) / 255; sv += d * d; }
        if (x + 1 < width) { const d = (a[i + 3]! - a[i]!) / 255; sh += d * d; }
      }
    }
  }
  return sv / ((height - 1) * width * 3) + sh / (height * (width - 1) * 3);
}
