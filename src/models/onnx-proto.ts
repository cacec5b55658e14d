/**
 * The few protobuf operations fer-c needs on ONNX files, without a protobuf
 * library: split a message into its top-level fields, and encode the messages
 * a linear head adds (NodeProto, TensorProto, ValueInfoProto). Field numbers
 * are onnx.proto's: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5,
 * input = 11, output = 12; NodeProto input = 1, output = 2, name = 3,
 * op_type = 4, attribute = 5.
 */

/** One top-level field of a message: its number, wire type and raw bytes (tag included). */
export interface ProtoField {
  readonly number: number;
  readonly wire: number;
  /** The whole field as it appears in the message (tag + payload). */
  readonly raw: Uint8Array;
  /** The payload of a length-delimited field (wire type 2). */
  readonly payload?: Uint8Array;
}

function readVarint(b: Uint8Array, at: number, where: string): [bigint, number] {
  let value = 0n, shift = 0n, i = at;
  for (;;) {
    if (i >= b.length) throw new RangeError(`${where}: truncated protobuf varint at byte ${at}`);
    const x = b[i++]!;
    value |= BigInt(x & 0x7f) << shift;
    shift += 7n;
    if ((x & 0x80) === 0) return [value, i];
  }
}

/** The message's top-level fields in order; `where` names the file in errors. */
export function protoFields(b: Uint8Array, where: string): ProtoField[] {
  const out: ProtoField[] = [];
  let i = 0;
  while (i < b.length) {
    const start = i;
    const [tag, afterTag] = readVarint(b, i, where);
    i = afterTag;
    const number = Number(tag >> 3n), wire = Number(tag & 7n);
    let payload: Uint8Array | undefined;
    if (wire === 0) i = readVarint(b, i, where)[1];
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const [len, at] = readVarint(b, i, where);
      i = at + Number(len);
      payload = b.subarray(at, i);
    } else throw new RangeError(`${where}: not a protobuf message (wire type ${wire} at byte ${start})`);
    if (i > b.length) throw new RangeError(`${where}: truncated protobuf field ${number} at byte ${start}`);
    out.push({ number, wire, raw: b.subarray(start, i), ...(payload ? { payload } : {}) });
  }
  return out;
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, BigInt(n));
  do { let b = Number(v & 0x7fn); v >>= 7n; if (v > 0n) b |= 0x80; out.push(b); } while (v > 0n);
  return out;
}
/** Concatenated byte pieces. */
export const concatBytes = (parts: readonly (Uint8Array | readonly number[])[]): Uint8Array => Buffer.concat(parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p))));
const tag = (n: number, wire: number): number[] => varint((n << 3) | wire);
/** A varint field. */
export const intField = (n: number, v: number): Uint8Array => concatBytes([tag(n, 0), varint(v)]);
/** A length-delimited field (bytes or an embedded message). */
export const bytesField = (n: number, b: Uint8Array): Uint8Array => concatBytes([tag(n, 2), varint(b.length), b]);
/** A string field (UTF-8). */
export const stringField = (n: number, s: string): Uint8Array => bytesField(n, Buffer.from(s, 'utf8'));
/** The string payload of a field. */
export const fieldString = (f: ProtoField): string => Buffer.from(f.payload ?? new Uint8Array()).toString('utf8');

/** An ONNX NodeProto (attributes: int or ints). */
export function onnxNode(op: string, inputs: readonly string[], outputs: readonly string[], name: string, attrs: Readonly<Record<string, number | readonly number[]>> = {}): Uint8Array {
  const attribute = (key: string, v: number | readonly number[]): Uint8Array => (typeof v === 'number'
    ? concatBytes([stringField(1, key), intField(3, v), intField(20, 2)])
    : concatBytes([stringField(1, key), ...v.map((x) => intField(8, x)), intField(20, 7)]));
  return concatBytes([
    ...inputs.map((x) => stringField(1, x)), ...outputs.map((x) => stringField(2, x)), stringField(3, name), stringField(4, op),
    ...Object.entries(attrs).map(([k, v]) => bytesField(5, attribute(k, v))),
  ]);
}

/** An ONNX float32 TensorProto initializer. */
export function onnxFloatTensor(name: string, dims: readonly number[], data: Float32Array): Uint8Array {
  return concatBytes([...dims.map((d) => intField(1, d)), intField(2, 1), stringField(8, name), bytesField(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength))]);
}

/** An ONNX ValueInfoProto of a float tensor; a string dimension is symbolic (the batch); no shape: left to onnxruntime's inference. */
export function onnxFloatValueInfo(name: string, shape?: readonly (number | string)[]): Uint8Array {
  const dims = (shape ?? []).map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const tensorType = concatBytes([intField(1, 1), ...(shape ? [bytesField(2, concatBytes(dims))] : [])]);
  return concatBytes([stringField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

/** The tensor names a graph's nodes produce, in node order (the layers a feature output may name). */
export function onnxNodeOutputs(model: Uint8Array, where: string): string[] {
  const graph = protoFields(model, where).find((f) => f.number === 7)?.payload;
  if (!graph) throw new RangeError(`${where}: an ONNX model without a graph`);
  const names: string[] = [];
  for (const f of protoFields(graph, where)) {
    if (f.number !== 1 || !f.payload) continue;
    for (const n of protoFields(f.payload, where)) if (n.number === 2) names.push(fieldString(n));
  }
  return names;
}

/**
 * The model with its graph rebuilt: the graph's own outputs replaced by
 * `outputs`, `nodes` and `initializers` appended. Everything else is kept
 * byte for byte (unused nodes stay; onnxruntime prunes them).
 */
export function rewriteOnnxGraph(model: Uint8Array, where: string, add: { readonly nodes: readonly Uint8Array[]; readonly initializers: readonly Uint8Array[]; readonly outputs: readonly Uint8Array[] }): Uint8Array {
  const fields = protoFields(model, where);
  if (!fields.some((f) => f.number === 7)) throw new RangeError(`${where}: an ONNX model without a graph`);
  return concatBytes(fields.map((f) => {
    if (f.number !== 7 || !f.payload) return f.raw;
    const kept = protoFields(f.payload, where).filter((g) => g.number !== 12).map((g) => g.raw);
    return bytesField(7, concatBytes([...kept, ...add.nodes.map((n) => bytesField(1, n)), ...add.initializers.map((t) => bytesField(5, t)), ...add.outputs.map((o) => bytesField(12, o))]));
  }));
}
