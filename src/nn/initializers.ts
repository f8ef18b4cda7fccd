// Weight initializers as a registry: a name, a saved { className, config } or a config file's
// { name: options } resolves to a function of (shape, rng) -> values; `config` writes it back, so a saved
// model records exactly what it used. Fans follow Keras: for a 2-D kernel (in, out), fanIn = in, fanOut = out; for a
// conv1d kernel (k, in, out), k in and k out.
import type { z } from 'zod';
import {
  type Bookkeeping,
  type Entry,
  type NamedForm,
  nonNeg,
  num,
  optionsObject,
  parseOptions,
  posNum,
  Registry,
  refuseUnknownOptions,
  refuseUnused,
  spellAs,
  withDefault,
} from '../registry.js';
import { orthonormalRows, orthonormalSeconds } from './orthonormal.js';
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
/** `glorotUniform` -> `glorot_uniform` as a type. */
type SnakeCase<S extends string> = S extends `${infer H}${infer T}`
  ? `${H extends Lowercase<H> ? H : `_${Lowercase<H>}`}${SnakeCase<T>}`
  : S;
/** The config-file spelling of an initializer (`glorot_uniform`). */
export type InitializerKey = SnakeCase<InitializerName>;

export interface InitializerConfig {
  className: InitializerName;
  config?: { value?: number; minval?: number; maxval?: number; mean?: number; stddev?: number; gain?: number };
}
/** A name in either spelling, a saved config, or a config file's `{ random_uniform: { minval: -0.1 } }`. */
export type InitializerLike = InitializerName | InitializerKey | InitializerConfig | NamedForm;

export interface Initializer {
  readonly config: InitializerConfig;
  /** Values for a tensor of this shape (row-major). */
  init(shape: readonly number[], rng: Rng): Float32Array;
}

type Init = Initializer['init'];
/** Every initializer option is an optional number. */
type InitOptions = z.ZodObject<{ [k: string]: z.ZodOptional<z.ZodNumber> }, z.core.$strict>;
export interface InitializerEntry<S extends InitOptions = InitOptions> extends Entry {
  readonly name: InitializerKey;
  readonly className: InitializerName;
  readonly options: S;
  readonly doc: string;
  /** The function from the options (config-file keys, defaults not filled in). */
  make(options: z.output<S>): Init;
}

/**
 * Keras' compute_fans (and torch's _calculate_fan_in_and_fan_out): a vector's length both ways; a matrix (in, out);
 * a conv1d kernel (kernelSize, in, out): in and out each times the kernel's taps.
 */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  const taps = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2]! * taps, shape[shape.length - 1]! * taps];
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

/** While withSketchedInit runs: the seconds the initializers it sketched would have taken. */
let sketch: { seconds: number } | null = null;

/**
 * Runs `build` (a model's construction) with the orthogonal initializer sketched: values of the right shape and
 * scale (uniform, with the variance 1/big of an orthonormal row's entries) without its QR, which costs n^2 m
 * (GRU(1000)'s recurrent kernel 1 s, GRU(8000)'s some 10 minutes), and `skipped`, the seconds the QR would have
 * taken (orthonormalSeconds). For a model built only to time its steps, as auto's estimate of whether a trial fits
 * the time left: the weights' values do not change how long a step takes.
 */
export function withSketchedInit<T>(build: () => T): { value: T; skipped: number } {
  const outer = sketch,
    mine = { seconds: 0 };
  sketch = mine;
  try {
    return { value: build(), skipped: mine.seconds };
  } finally {
    sketch = outer;
  }
}

/** Rows orthonormal (or columns, whichever is fewer), as Keras' Orthogonal: QR of a normal matrix, sign-corrected. */
function orthogonal(shape: readonly number[], rng: Rng, gain: number): Float32Array {
  // as Keras: the kernel flattened to (everything but the last axis, the last axis)
  const cols = shape[shape.length - 1]!,
    rows = shape.reduce((a, b) => a * b, 1) / cols;
  const small = Math.min(rows, cols),
    big = Math.max(rows, cols);
  if (sketch) {
    sketch.seconds += orthonormalSeconds(small, big);
    const limit = gain * Math.sqrt(3 / big);
    return fill(shape, () => (2 * rng.uniform() - 1) * limit);
  }
  // `small` normal vectors of length `big`, orthonormalised (orthonormal.ts)
  const q = new Float64Array(small * big);
  for (let i = 0; i < q.length; i++) q[i] = rng.normal();
  orthonormalRows(q, small, big);
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows <= cols ? q[r * big + c]! : q[c * big + r]!);
    }
  return out;
}

const entry = <S extends InitOptions>(e: InitializerEntry<S>): InitializerEntry<S> => e;
const none = optionsObject({});
const meanStd = optionsObject({
  mean: withDefault(num().optional(), 0),
  stddev: withDefault(nonNeg().optional(), 0.05),
});
// 0.8796... is the standard deviation of a unit normal truncated at two standard deviations (as Keras).
const TRUNC_SD = 0.87962566103423978;
const uniform = (limit: (fanIn: number, fanOut: number) => number) => (): Init => (shape, rng) => {
  const [fanIn, fanOut] = fans(shape);
  const l = limit(fanIn, fanOut);
  return fill(shape, () => (2 * rng.uniform() - 1) * l);
};
const truncNormal = (sd: (fanIn: number, fanOut: number) => number) => (): Init => (shape, rng) => {
  const [fanIn, fanOut] = fans(shape);
  const s = sd(fanIn, fanOut) / TRUNC_SD;
  return fill(shape, () => truncated(rng, 0, s));
};

export const initializerRegistry = new Registry<InitializerEntry>(
  {
    kind: 'initializer',
    title: 'initializers',
    note:
      'camelCase spellings too (glorotUniform); all from one seeded generator, so one seed gives ' +
      'bit-identical weights and training runs',
  },
  [
    entry({ name: 'zeros', className: 'zeros', doc: '0', options: none, make: () => (s) => fill(s, () => 0) }),
    entry({ name: 'ones', className: 'ones', doc: '1', options: none, make: () => (s) => fill(s, () => 1) }),
    entry({
      name: 'constant',
      className: 'constant',
      doc: 'value',
      options: optionsObject({ value: withDefault(num().optional(), 0) }),
      make: (c) => (s) => fill(s, () => c.value ?? 0),
    }),
    entry({
      name: 'random_uniform',
      className: 'randomUniform',
      doc: 'minval, maxval',
      // an empty or reversed interval is refused, as Keras' tf.random.uniform does (it drew from [hi, lo] here)
      options: optionsObject({
        minval: withDefault(num().optional(), -0.05),
        maxval: withDefault(num().optional(), 0.05),
      }).refine((c) => (c.minval ?? -0.05) < (c.maxval ?? 0.05), {
        error: 'minval < maxval (they default to -0.05 and 0.05)',
      }),
      make: (c) => (s, rng) => {
        const lo = c.minval ?? -0.05,
          hi = c.maxval ?? 0.05;
        return fill(s, () => lo + (hi - lo) * rng.uniform());
      },
    }),
    entry({
      name: 'random_normal',
      className: 'randomNormal',
      doc: 'mean, stddev',
      options: meanStd,
      make: (c) => (s, rng) => fill(s, () => (c.mean ?? 0) + (c.stddev ?? 0.05) * rng.normal()),
    }),
    entry({
      name: 'truncated_normal',
      className: 'truncatedNormal',
      doc: 'mean, stddev; redrawn beyond 2 stddev',
      options: meanStd,
      make: (c) => (s, rng) => fill(s, () => truncated(rng, c.mean ?? 0, c.stddev ?? 0.05)),
    }),
    entry({
      name: 'glorot_uniform',
      className: 'glorotUniform',
      doc: 'U(±sqrt(6 / (fanIn + fanOut)))',
      options: none,
      make: uniform((fi, fo) => Math.sqrt(6 / (fi + fo))),
    }),
    entry({
      name: 'glorot_normal',
      className: 'glorotNormal',
      doc: 'stddev sqrt(2 / (fanIn + fanOut)), truncated',
      options: none,
      make: truncNormal((fi, fo) => Math.sqrt(2 / (fi + fo))),
    }),
    entry({
      name: 'he_uniform',
      className: 'heUniform',
      doc: 'U(±sqrt(6 / fanIn))',
      options: none,
      make: uniform((fi) => Math.sqrt(6 / fi)),
    }),
    entry({
      name: 'he_normal',
      className: 'heNormal',
      doc: 'stddev sqrt(2 / fanIn), truncated',
      options: none,
      make: truncNormal((fi) => Math.sqrt(2 / fi)),
    }),
    entry({
      name: 'lecun_normal',
      className: 'lecunNormal',
      doc: 'stddev sqrt(1 / fanIn), truncated',
      options: none,
      make: truncNormal((fi) => Math.sqrt(1 / fi)),
    }),
    entry({
      name: 'orthogonal',
      className: 'orthogonal',
      doc: 'gain; QR of a normal matrix',
      options: optionsObject({ gain: withDefault(posNum().optional(), 1) }),
      make: (c) => (s, rng) => orthogonal(s, rng, c.gain ?? 1),
    }),
  ],
);

/**
 * Keras writes `seed` in every random initializer's config (null unless set); seqtune draws every initializer from
 * the model's one seeded generator, so a saved config loads past it whatever its value (Keras' draws could not be
 * reproduced from it anyway). Any other key an initializer lacks is refused.
 */
const KERAS_SEED: Bookkeeping = { seed: [() => true, ''] };

/** Resolves a name, a saved `{ className, config }` or a config file's `{ name: options }` to an initializer. */
export function getInitializer(like: InitializerLike, key = 'initializer'): Initializer {
  const { entry, options } = initializerRegistry.resolve(like, key);
  const keys = Object.keys(entry.options.shape);
  const spelled = spellAs(options ?? {}, keys);
  refuseUnknownOptions(like, spelled, keys, `${key}.${entry.name}`);
  refuseUnused(like, spelled, keys, `${key}.${entry.name}`, KERAS_SEED);
  const parsed = parseOptions(entry.options.strip(), spelled, `${key}.${entry.name}`);
  const config: InitializerConfig = { className: entry.className };
  if (options !== undefined) config.config = parsed;
  return { config, init: entry.make(parsed) };
}

/** An initializer in an options schema: a name in either spelling or `{name: options}`, kept as written. */
export const initializerOption = () => initializerRegistry.schema<InitializerLike>('either');
