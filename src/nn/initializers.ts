// Weight initializers as a registry: a name, or { className, config }, resolves to a function of
// (shape, rng) -> values; getConfig writes it back, so a saved model records exactly what it used.
// Fans follow Keras: for a 2-D kernel (in, out), fanIn = in, fanOut = out.
import { expected, ValueError } from '../errors.js';
import type { Rng } from './random.js';

export type InitializerName =
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'randomUniform'
  | 'randomNormal'
  | 'truncatedNormal'
  | 'glorotUniform'
  | 'glorotNormal'
  | 'heUniform'
  | 'heNormal'
  | 'lecunNormal'
  | 'orthogonal';

export interface InitializerConfig {
  className: InitializerName;
  config?: { value?: number; minval?: number; maxval?: number; mean?: number; stddev?: number; gain?: number };
}
export type InitializerLike = InitializerName | InitializerConfig;

export interface Initializer {
  readonly config: InitializerConfig;
  /** Values for a tensor of this shape (row-major). */
  init(shape: readonly number[], rng: Rng): Float32Array;
}

const NAMES: readonly InitializerName[] = [
  'zeros',
  'ones',
  'constant',
  'randomUniform',
  'randomNormal',
  'truncatedNormal',
  'glorotUniform',
  'glorotNormal',
  'heUniform',
  'heNormal',
  'lecunNormal',
  'orthogonal',
];
const ALIASES: Record<string, InitializerName> = {
  glorot_uniform: 'glorotUniform',
  glorot_normal: 'glorotNormal',
  he_uniform: 'heUniform',
  he_normal: 'heNormal',
  lecun_normal: 'lecunNormal',
  random_uniform: 'randomUniform',
  random_normal: 'randomNormal',
  truncated_normal: 'truncatedNormal',
};

function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const out = shape[shape.length - 1]!;
  const inn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return [inn, out];
}

function fill(shape: readonly number[], f: () => number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = f();
  return v;
}

function truncated(rng: Rng, mean: number, sd: number): number {
  for (;;) {
    const z = rng.normal();
    if (Math.abs(z) <= 2) return mean + sd * z;
  }
}

/** Rows orthonormal (or columns, whichever is fewer), as Keras' Orthogonal: QR of a normal matrix, sign-corrected. */
function orthogonal(shape: readonly number[], rng: Rng, gain: number): Float32Array {
  const [rows, cols] = fans(shape);
  const small = Math.min(rows, cols),
    big = Math.max(rows, cols);
  // `small` vectors of length `big`, orthonormalised by modified Gram-Schmidt (twice, for stability).
  const q = new Float64Array(small * big);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < small; i++) {
      const vi = q.subarray(i * big, (i + 1) * big);
      for (let j = 0; j < i; j++) {
        const vj = q.subarray(j * big, (j + 1) * big);
        let d = 0;
        for (let k = 0; k < big; k++) d += vi[k]! * vj[k]!;
        for (let k = 0; k < big; k++) vi[k]! -= d * vj[k]!;
      }
      let n = 0;
      for (let k = 0; k < big; k++) n += vi[k]! * vi[k]!;
      n = Math.sqrt(n) || 1;
      for (let k = 0; k < big; k++) vi[k]! /= n;
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows <= cols ? q[r * big + c]! : q[c * big + r]!);
    }
  return out;
}

/** Resolves a name or config to an initializer. */
export function getInitializer(like: InitializerLike, key = 'initializer'): Initializer {
  const cfg: InitializerConfig =
    typeof like === 'string'
      ? { className: (ALIASES[like] ?? like) as InitializerName }
      : { className: (ALIASES[like.className] ?? like.className) as InitializerName, config: like.config };
  if (!NAMES.includes(cfg.className)) throw new ValueError(expected(key, `one of ${NAMES.join(', ')}`, cfg.className));
  const c = cfg.config ?? {};
  const init = (shape: readonly number[], rng: Rng): Float32Array => {
    const [fanIn, fanOut] = fans(shape);
    switch (cfg.className) {
      case 'zeros':
        return fill(shape, () => 0);
      case 'ones':
        return fill(shape, () => 1);
      case 'constant':
        return fill(shape, () => c.value ?? 0);
      case 'randomUniform': {
        const lo = c.minval ?? -0.05,
          hi = c.maxval ?? 0.05;
        return fill(shape, () => lo + (hi - lo) * rng.uniform());
      }
      case 'randomNormal': {
        const m = c.mean ?? 0,
          s = c.stddev ?? 0.05;
        return fill(shape, () => m + s * rng.normal());
      }
      case 'truncatedNormal': {
        const m = c.mean ?? 0,
          s = c.stddev ?? 0.05;
        return fill(shape, () => truncated(rng, m, s));
      }
      case 'glorotUniform': {
        const l = Math.sqrt(6 / (fanIn + fanOut));
        return fill(shape, () => (2 * rng.uniform() - 1) * l);
      }
      case 'glorotNormal': {
        const s = Math.sqrt(2 / (fanIn + fanOut)) / 0.87962566103423978;
        return fill(shape, () => truncated(rng, 0, s));
      }
      case 'heUniform': {
        const l = Math.sqrt(6 / fanIn);
        return fill(shape, () => (2 * rng.uniform() - 1) * l);
      }
      case 'heNormal': {
        const s = Math.sqrt(2 / fanIn) / 0.87962566103423978;
        return fill(shape, () => truncated(rng, 0, s));
      }
      case 'lecunNormal': {
        const s = Math.sqrt(1 / fanIn) / 0.87962566103423978;
        return fill(shape, () => truncated(rng, 0, s));
      }
      case 'orthogonal':
        return orthogonal(shape, rng, c.gain ?? 1);
    }
  };
  return { config: cfg, init };
}
