/**
 * A minimal ONNX (protobuf) writer for models made at test and bench time:
 * nodes with int / ints attributes, float32 initializers, one float input and
 * output. Field numbers are onnx.proto's (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto).
 */
type Bytes = Uint8Array;

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v > 0n) b |= 0x80; out.push(b); } while (v > 0n);
  return out;
}
const concat = (parts: (Bytes | number[])[]): Bytes => Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
const field = (n: number, wire: number): number[] => varint((n << 3) | wire);
const int = (n: number, v: number): Bytes => concat([field(n, 0), varint(v)]);
const bytes = (n: number, b: Bytes): Bytes => concat([field(n, 2), varint(b.length), b]);
const str = (n: number, s: string): Bytes => bytes(n, Buffer.from(s, 'utf8'));

export interface OnnxNode { readonly op: string; readonly inputs: readonly string[]; readonly outputs: readonly string[]; readonly attrs?: Record<string, number | readonly number[]> }
export interface OnnxInitializer { readonly name: string; readonly dims: readonly number[]; readonly data: Float32Array }
export interface OnnxGraph {
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly input: { readonly name: string; readonly shape: readonly (number | string)[] };
  readonly output: { readonly name: string; readonly shape: readonly (number | string)[] };
  readonly opset?: number;
}

function attribute(name: string, v: number | readonly number[]): Bytes {
  return typeof v === 'number' ? concat([str(1, name), int(3, v), int(20, 2)]) : concat([str(1, name), ...v.map((x) => int(8, x)), int(20, 7)]);
}
function valueInfo(name: string, shape: readonly (number | string)[]): Bytes {
  const dims = shape.map((d) => bytes(1, typeof d === 'number' ? int(1, d) : str(2, d)));
  return concat([str(1, name), bytes(2, bytes(1, concat([int(1, 1), bytes(2, concat(dims))])))]);
}

export function encodeOnnx(graph: OnnxGraph): Bytes {
  const nodes = graph.nodes.map((n, i) => bytes(1, concat([
    ...n.inputs.map((x) => str(1, x)), ...n.outputs.map((x) => str(2, x)), str(3, `${n.op}_${i}`), str(4, n.op),
    ...Object.entries(n.attrs ?? {}).map(([k, v]) => bytes(5, attribute(k, v))),
  ])));
  const inits = graph.initializers.map((t) => bytes(5, concat([
    ...t.dims.map((d) => int(1, d)), int(2, 1), str(8, t.name), bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  ])));
  const g = concat([...nodes, str(2, 'fer-c-test'), ...inits, bytes(11, valueInfo(graph.input.name, graph.input.shape)), bytes(12, valueInfo(graph.output.name, graph.output.shape))]);
  return concat([int(1, 8), str(2, 'fer-c test/helpers/onnx-writer'), bytes(7, g), bytes(8, concat([str(1, ''), int(2, graph.opset ?? 13)]))]);
}

/** Deterministic He-initialised weights (a small LCG + Box–Muller). */
export function heWeights(dims: readonly number[], fanIn: number, seed: number): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1), out = new Float32Array(n), sd = Math.sqrt(2 / fanIn);
  let s = seed >>> 0;
  const u = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 2 ** 32; };
  for (let i = 0; i < n; i++) out[i] = sd * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/**
 * A ResNet-18 (torchvision layout, batch norm folded into conv biases) with
 * random weights and `classes` logits: the size and cost of the FER models
 * people export from PyTorch (11.2 M parameters, 1.8 GFLOPs at 224²).
 */
export function resnet18Onnx(classes: number, size = 224): Bytes {
  const nodes: OnnxNode[] = [], initializers: OnnxInitializer[] = [];
  let seed = 1, count = 0;
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean): string => {
    const id = `c${count++}`;
    initializers.push({ name: `${id}.w`, dims: [cout, cin, k, k], data: heWeights([cout, cin, k, k], cin * k * k, seed++) });
    initializers.push({ name: `${id}.b`, dims: [cout], data: new Float32Array(cout) });
    const p = (k - 1) >> 1;
    nodes.push({ op: 'Conv', inputs: [x, `${id}.w`, `${id}.b`], outputs: [relu ? `${id}.pre` : id], attrs: { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p] } });
    if (relu) nodes.push({ op: 'Relu', inputs: [`${id}.pre`], outputs: [id] });
    return id;
  };
  let x = conv('input', 3, 64, 7, 2, true);
  nodes.push({ op: 'MaxPool', inputs: [x], outputs: ['pool'], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } });
  x = 'pool';
  let cin = 64;
  for (const [cout, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    for (let b = 0; b < 2; b++) {
      const s = b === 0 ? stride : 1;
      const y = conv(conv(x, cin, cout, 3, s, true), cout, cout, 3, 1, false);
      const skip = s !== 1 || cin !== cout ? conv(x, cin, cout, 1, s, false) : x;
      const sum = `add${count++}`;
      nodes.push({ op: 'Add', inputs: [y, skip], outputs: [sum] });
      nodes.push({ op: 'Relu', inputs: [sum], outputs: [`${sum}.r`] });
      x = `${sum}.r`; cin = cout;
    }
  }
  nodes.push({ op: 'GlobalAveragePool', inputs: [x], outputs: ['gap'] }, { op: 'Flatten', inputs: ['gap'], outputs: ['feat'], attrs: { axis: 1 } });
  initializers.push({ name: 'fc.w', dims: [classes, 512], data: heWeights([classes, 512], 512, seed++) }, { name: 'fc.b', dims: [classes], data: new Float32Array(classes) });
  nodes.push({ op: 'Gemm', inputs: ['feat', 'fc.w', 'fc.b'], outputs: ['logits'], attrs: { transB: 1 } });
  return encodeOnnx({ nodes, initializers, input: { name: 'input', shape: ['batch', 3, size, size] }, output: { name: 'logits', shape: ['batch', classes] } });
}
