// An ONNX graph under construction, written with the onnx-proto package (protobufjs code generated from the
// official onnx.proto): nodes in order, weights as initializers, and the model bytes at the end. Every value a
// node makes gets a fresh name from its hint, so emitters never collide.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;

/** The opset the exported graphs use (GRU/LSTM/RNN, LayerNormalization and Squeeze with axes as an input). */
export const OPSET = 17;
/** IR version 8 is the one opset 17 was released with. */
const IR_VERSION = 8;

/** A node attribute, typed as ONNX types it. */
export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { strings: readonly string[] };

export type ElemType = 'float' | 'double' | 'int64';

/** An input or output of the graph: its name, element type and shape (a string is a named, dynamic dimension). */
export interface ValueInfo {
  name: string;
  elem?: ElemType;
  shape: readonly (number | string)[];
  doc?: string;
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function attribute(name: string, a: Attr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('i' in a) return { name, type: T.INT, i: a.i };
  if ('f' in a) return { name, type: T.FLOAT, f: a.f };
  if ('s' in a) return { name, type: T.STRING, s: bytes(a.s) };
  if ('ints' in a) return { name, type: T.INTS, ints: [...a.ints] };
  if ('floats' in a) return { name, type: T.FLOATS, floats: [...a.floats] };
  return { name, type: T.STRINGS, strings: a.strings.map(bytes) };
}

function rawData(elem: ElemType, values: ArrayLike<number>): Uint8Array {
  const typed =
    elem === 'float'
      ? Float32Array.from(values)
      : elem === 'double'
        ? Float64Array.from(values)
        : BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

const ELEM = { float: DT.FLOAT, double: DT.DOUBLE, int64: DT.INT64 } as const;

function valueInfo(v: ValueInfo): onnxProto.onnx.IValueInfoProto {
  const dim = v.shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return {
    name: v.name,
    docString: v.doc,
    type: { tensorType: { elemType: ELEM[v.elem ?? 'float'], shape: { dim } } },
  };
}

/** Whether bytes are an ONNX model seqtune wrote (its producer_name); false for anything that does not decode. */
export function writtenBySeqtune(bytes: Uint8Array): boolean {
  try {
    return onnx.ModelProto.decode(bytes).producerName === 'seqtune';
  } catch {
    return false;
  }
}

export class GraphBuilder {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private readonly used = new Set<string>();

  /** A name not used yet, from a hint (a layer's name, a weight's role). */
  fresh(hint: string): string {
    const base = hint.replace(/[^\w.-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Claims a name exactly (the graph's inputs and outputs). */
  claim(name: string): string {
    this.used.add(name);
    return name;
  }

  /** A constant tensor (an initializer); returns its name. */
  constant(hint: string, values: ArrayLike<number>, dims: readonly number[], elem: ElemType = 'float'): string {
    const name = this.fresh(hint);
    this.inits.push({ name, dims: [...dims], dataType: ELEM[elem], rawData: rawData(elem, values) });
    return name;
  }

  /** An int64 vector constant (shapes, axes, pads given as inputs). */
  ints(hint: string, values: readonly number[]): string {
    return this.constant(hint, values, [values.length], 'int64');
  }

  /** Appends a node; returns the names of its outputs (`outputs` of them, named from the hint). */
  nodeN(op: string, inputs: readonly string[], outputs: number, attrs: Record<string, Attr> = {}, hint = op): string[] {
    const out = Array.from({ length: outputs }, (_, i) => this.fresh(outputs > 1 ? `${hint}_out${i}` : hint));
    const attribute_ = Object.entries(attrs).map(([k, a]) => attribute(k, a));
    this.nodes.push({
      opType: op,
      name: this.fresh(`${hint}_node`),
      input: [...inputs],
      output: out,
      attribute: attribute_,
    });
    return out;
  }

  /** Appends a node with one output and returns that output's name. */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, hint = op): string {
    return this.nodeN(op, inputs, 1, attrs, hint)[0]!;
  }

  /** Renames a value to a graph output name, claimed before any layer was written, with an Identity node. */
  output(value: string, name: string): void {
    this.nodes.push({
      opType: 'Identity',
      name: this.fresh(`${name}_node`),
      input: [value],
      output: [this.claim(name)],
    });
  }

  /** The model's bytes: opset 17, the graph's inputs and outputs, and string metadata. */
  encode(o: {
    name: string;
    inputs: readonly ValueInfo[];
    outputs: readonly ValueInfo[];
    metadata: Record<string, string>;
    doc: string;
    producerVersion: string;
  }): Uint8Array {
    const graph: onnxProto.onnx.IGraphProto = {
      name: o.name,
      node: this.nodes,
      initializer: this.inits,
      input: o.inputs.map(valueInfo),
      output: o.outputs.map(valueInfo),
    };
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: OPSET }],
      producerName: 'seqtune',
      producerVersion: o.producerVersion,
      docString: o.doc,
      graph,
      metadataProps: Object.entries(o.metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
