/**
 * The annotation row reader: CSV quoting (landmarks, commas, doubled quotes,
 * line breaks), whitespace lists, line numbers through blank lines and CRLF,
 * errors that name line and column, chunk boundaries anywhere (multi-byte
 * characters included), and bounded read-ahead over a 300k-line file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { collect, rejects } from './helpers/async.js';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRowsText, RowReader } from '../src/io/csv-rows.js';

const dir = mkdtempSync(join(tmpdir(), 'ferc-rows-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));



test('csv: quoted fields keep commas, semicolons, doubled quotes and spaces; unquoted fields are trimmed', () => {
  const rows = parseRowsText('a.jpg, 10 ,"1.5;2,5;3","say ""hi""", " x "\n', 'f.csv');
  assert.equal(rows, [{ line: 1, fields: ['a.jpg', '10', '1.5;2,5;3', 'say "hi"', ' x '] }]);
});

test('csv: empty fields, trailing comma, a quoted field spanning lines keeps its start line', () => {
  const rows = parseRowsText('a,,c,\n"multi\nline",2\nnext,3\n', 'f.csv');
  assert.equal(rows, [
    { line: 1, fields: ['a', '', 'c', ''] },
    { line: 2, fields: ['multi\nline', '2'] },
    { line: 4, fields: ['next', '3'] },
  ]);
});

test('blank lines are skipped but counted; CRLF and a BOM are handled', () => {
  const rows = parseRowsText('\ufeffh1,h2\r\n\r\n  \r\nx,1\r\n', 'f.csv');
  assert.equal(rows, [{ line: 1, fields: ['h1', 'h2'] }, { line: 4, fields: ['x', '1'] }]);
});

test('whitespace: runs of spaces and tabs separate fields; quotes may hold spaces', () => {
  const rows = parseRowsText('test_0001.jpg 5\n  train_00002.jpg\t\t7  \n"my file.jpg" 3\n', 'list.txt', 'whitespace');
  assert.equal(rows.map((r) => [r.line, ...r.fields]), [[1, 'test_0001.jpg', '5'], [2, 'train_00002.jpg', '7'], [3, 'my file.jpg', '3']]);
});

test('errors name the file, line and column and say what was expected', () => {
  assert.throws(() => parseRowsText('a,b\nc,d"e,f\n', 'f.csv'), /f\.csv line 2 column 4: stray quote/);
  assert.throws(() => parseRowsText('a,"b"x,c\n', 'f.csv'), /f\.csv line 1 column 6: "x" after a closing quote \(expected a comma/);
  assert.throws(() => parseRowsText('a,b\n"never closed,1\n2,3\n', 'f.csv'), /f\.csv line 2: quoted field is never closed/);
  assert.throws(() => parseRowsText('"a b 5\n', 'list.txt', 'whitespace'), /list\.txt line 1: quoted field is not closed on its line/);
});

test('RowReader: same rows as the whole-text parse, for chunk sizes that split lines, quotes and UTF-8 characters', async () => {
  const text = 'subDirectory_filePath,expression\r\n"é/ü ñ.jpg","3"\n\n"two\nlines, ok",5\n日本/顔.png,1\nlast,no newline';
  const path = join(dir, 'chunks.csv');
  writeFileSync(path, text);
  const expected = parseRowsText(text, path);
  assert.is(expected.length, 5);
  for (const chunkSize of [1, 2, 3, 5, 7, 64, 1 << 16]) {
    assert.equal(await collect(new RowReader(path, { chunkSize })), expected, `chunkSize ${chunkSize}`);
  }
});

test('RowReader: a missing file is an error naming it', async () => {
  await rejects(() => collect(new RowReader(join(dir, 'nope.csv'))), /nope\.csv: cannot open \(ENOENT\)/);
});

test('RowReader: 300,000 lines stream with read-ahead bounded by one chunk; every line number is right', async () => {
  const path = join(dir, 'big.csv');
  const fd = openSync(path, 'w');
  const lineOf = (i: number): string => `${i % 1000}/img_${i}.jpg,${i % 97},${i % 89},${50 + (i % 7)},${50 + (i % 5)},"${i};${i + 1};${i + 2}",${i % 8},0.5,-0.5\n`;
  const lineBytes: number[] = [];
  for (let start = 0; start < 300_000; start += 10_000) {
    let block = '';
    for (let i = start; i < start + 10_000; i++) { const l = lineOf(i); block += l; lineBytes.push(Buffer.byteLength(l)); }
    writeSync(fd, block);
  }
  closeSync(fd);
  const size = statSync(path).size;
  const chunkSize = 64 * 1024;
  const reader = new RowReader(path, { chunkSize });
  let n = 0, consumed = 0, worstAhead = 0;
  for await (const row of reader) {
    consumed += lineBytes[n]!;
    n++;
    if (row.line !== n) assert.unreachable(`row ${n} reports line ${row.line}`);
    if (n === 123_457) assert.equal(row.fields, lineOf(123_456).trim().split(',').map((f) => f.replace(/"/g, '')));
    worstAhead = Math.max(worstAhead, reader.bytesRead - consumed);
  }
  assert.is(n, 300_000);
  assert.is(reader.bytesRead, size);
  assert.ok(worstAhead <= chunkSize, `read ${worstAhead} bytes ahead of the consumer (chunk ${chunkSize})`);
});

test('RowReader: stopping early reads no more of the file', async () => {
  const path = join(dir, 'early.csv');
  writeFileSync(path, 'x,1\n'.repeat(100_000));
  const reader = new RowReader(path, { chunkSize: 4096 });
  let n = 0;
  for await (const row of reader) { void row; if (++n === 10) break; }
  assert.is(reader.bytesRead, 4096);
});

test.run();
