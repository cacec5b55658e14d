// Writes N distinct 224×224 face PNGs made from the bundled faces (test/fixtures/faces), for throughput
// runs where no dataset is at hand (the GPU machine reaches nothing outside): each copy is a slightly
// shifted and scaled crop of one face, mirrored every other round, so no two files are the same image.
//   node scripts/make-faces.mjs N OUT_DIR       (after `npm run build`)
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const root = new URL('..', import.meta.url).pathname;
const { readImageFile, encodePng } = await import(join(root, 'dist/src/image/index.js'));
const [n, out] = [Number(process.argv[2]), process.argv[3]];
if (!(n > 0) || !out) { console.error('usage: node scripts/make-faces.mjs N OUT_DIR'); process.exit(2); }
const dir = join(root, 'test/fixtures/faces');
const faces = readdirSync(dir).filter((f) => f.endsWith('.png')).sort();
mkdirSync(out, { recursive: true });
for (let i = 0; i < n; i++) {
  const file = faces[i % faces.length], round = Math.floor(i / faces.length);
  const inset = 2 + (round % 7) * 3, dx = ((round * 5) % 9) - 4, dy = ((round * 7) % 9) - 4;   // ≤ 20 px in, ≤ 4 px off centre
  const box = { x: inset + dx, y: inset + dy, width: 224 - 2 * inset, height: 224 - 2 * inset };
  const img = readImageFile(join(dir, file), { size: 224, box });
  if (round % 2 === 1) mirror(img);
  writeFileSync(join(out, `${String(i).padStart(5, '0')}_${file}`), encodePng(img));
}
console.log(`${n} faces in ${out}`);

function mirror({ width, height, data }) {
  for (let y = 0; y < height; y++) for (let x = 0; x < width >> 1; x++) for (let c = 0; c < 3; c++) {
    const a = (y * width + x) * 3 + c, b = (y * width + width - 1 - x) * 3 + c;
    const t = data[a]; data[a] = data[b]; data[b] = t;
  }
}
