/**
 * The assembler's named locals and structured control flow (src/wasm/assembler.ts),
 * on small functions whose results are worked out by hand: a while loop with
 * two exits, a skipped block, if/else, and `add` by a constant or a local.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assemble, defineFunction, op } from '../src/wasm/assembler.js';

function instantiate(...defs: Parameters<typeof assemble>[0]): Record<string, (...a: number[]) => number> {
  const memory = new WebAssembly.Memory({ initial: 1 });
  return new WebAssembly.Instance(new WebAssembly.Module(assemble(defs)), { env: { memory } }).exports as Record<string, (...a: number[]) => number>;
}

test('until: Σ i for i < n, stopping early at a cap (two exit tests, checked before each pass)', () => {
  const sum = defineFunction('sum', { params: { n: 'i32', cap: 'i32' }, locals: { i: 'i32', total: 'i32' }, results: ['i32'] }, (c) => {
    c.until([
      (done) => done.get('i').get('n').emit(op.i32GeU),
      (capped) => capped.get('total').get('cap').emit(op.i32GeU),
    ], (body) => { body.add('total', 'i'); body.add('i', 1); });
    c.get('total');
  });
  const { sum: run } = instantiate(sum);
  assert.is(run!(0, 1000), 0, 'no pass when n = 0');
  assert.is(run!(5, 1000), 0 + 1 + 2 + 3 + 4);
  assert.is(run!(100, 10), 10, '0+1+2+3+4 = 10 reaches the cap');
});

test('unless and ifThen: the body is skipped when the test is non-zero; then/else by the condition', () => {
  const f = defineFunction('f', { params: { x: 'i32' }, locals: { out: 'i32' }, results: ['i32'] }, (c) => {
    c.i32(7).set('out');
    c.unless((skip) => skip.get('x').emit(op.i32Eqz), (body) => body.add('out', 100));
    c.get('x').i32(2).emit(op.i32GtU).ifThen((big) => big.add('out', 1000), (small) => small.add('out', 10));
    c.get('out');
  });
  const { f: run } = instantiate(f);
  assert.is(run!(0), 7 + 10);
  assert.is(run!(1), 7 + 100 + 10);
  assert.is(run!(5), 7 + 100 + 1000);
});

test('locals are numbered params first, then locals, in the order written; names must be known and unique', () => {
  const pick = defineFunction('second', { params: { a: 'i32', b: 'i32' }, results: ['i32'] }, (c) => c.get('b'));
  assert.equal(pick.params, ['i32', 'i32']);
  assert.equal(pick.body.bytes, [op.localGet, 1]);
  assert.is(instantiate(pick)['second']!(3, 9), 9);
  assert.throws(() => defineFunction('bad', { params: { a: 'i32' } }, (c) => c.get('z' as 'a')), /no local named "z"/);
  assert.throws(() => defineFunction('twice', { params: { a: 'i32' }, locals: { a: 'i32' } }, () => undefined), /"a" is named twice/);
});

test.run();
