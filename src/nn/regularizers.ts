// Weight and activity regularizers (Keras): penalty l1 sum|w| + l2 sum w^2, added to the loss. A registry:
// an instance, a name, a saved { className, config } or a config file's { l2: 0.001 } resolves to one.
import { z } from 'zod';
import { expected, ValueError } from '../errors.js';
import { type Entry, nonNeg, optionsObject, Registry } from '../registry.js';

export interface RegularizerConfig {
  className: 'l1' | 'l2' | 'l1l2';
  config: { l1?: number; l2?: number };
}
export type RegularizerLike =
  | RegularizerConfig
  | Regularizer
  | 'l1'
  | 'l2'
  | 'l1l2'
  | Record<string, number | { l1?: number; l2?: number }>;

export interface Regularizer {
  readonly l1: number;
  readonly l2: number;
  readonly config: RegularizerConfig;
}

const make = (l1v: number, l2v: number, className: RegularizerConfig['className']): Regularizer => {
  for (const [k, v] of [
    ['l1', l1v],
    ['l2', l2v],
  ] as const)
    if (!(typeof v === 'number' && v >= 0 && Number.isFinite(v)))
      throw new ValueError(expected(`regularizer.${k}`, 'a non-negative number', v));
  return {
    l1: l1v,
    l2: l2v,
    config: {
      className,
      config: className === 'l1' ? { l1: l1v } : className === 'l2' ? { l2: l2v } : { l1: l1v, l2: l2v },
    },
  };
};

/**
 * @example
 * import { dense, l1, l2 } from 'seqtune';
 * dense({ units: 1, kernelRegularizer: l2(1e-4), biasRegularizer: l1(1e-5) })
 */
export const l1 = (v = 0.01): Regularizer => make(v, 0, 'l1');
export const l2 = (v = 0.01): Regularizer => make(0, v, 'l2');
/**
 * Both penalties. A factor left out is 0 beside one given, as Keras' L1L2 class (`{l1: 0.001}` is l1 alone; it added
 * l2 0.01); with neither given both are 0.01, as Keras 2's l1_l2 and seqtune's l1 and l2.
 */
export const l1l2 = (o: { l1?: number; l2?: number } = {}): Regularizer => {
  const neither = o.l1 === undefined && o.l2 === undefined;
  return make(o.l1 ?? (neither ? 0.01 : 0), o.l2 ?? (neither ? 0.01 : 0), 'l1l2');
};

type Factor = { l1?: number; l2?: number } | number | undefined;
export interface RegularizerEntry extends Entry {
  readonly name: RegularizerConfig['className'];
  readonly options: z.ZodType<Factor>;
  readonly doc: string;
  make(options: Factor): Regularizer;
}

/** A factor: `{l2: 0.001}` in a config file, `{className: 'l2', config: {l2: 0.001}}` when saved. */
const factor = (k: 'l1' | 'l2') =>
  z.union([nonNeg(), optionsObject({ [k]: nonNeg().optional() })], { error: 'a non-negative number' }).optional();
const factorOf = (o: Factor, k: 'l1' | 'l2'): number | undefined => (typeof o === 'number' ? o : o?.[k]);

export const regularizerRegistry = new Registry<RegularizerEntry>(
  {
    kind: 'regularizer',
    title: 'regularizers',
    note: 'as kernel, recurrent, bias or activity regularizers; the penalty is part of the reported loss, as Keras',
  },
  [
    { name: 'l1', aliases: ['L1'], doc: 'l1 sum|w|', options: factor('l1'), make: (o) => l1(factorOf(o, 'l1')) },
    { name: 'l2', aliases: ['L2'], doc: 'l2 sum w^2', options: factor('l2'), make: (o) => l2(factorOf(o, 'l2')) },
    {
      name: 'l1l2',
      aliases: ['L1L2', 'l1_l2'],
      doc: 'both; a factor left out is 0 beside the other, both 0.01 when neither is given',
      options: optionsObject({ l1: nonNeg().optional(), l2: nonNeg().optional() }),
      make: (o) => l1l2(typeof o === 'number' ? { l1: o, l2: o } : o),
    },
  ],
);

/** A regularizer from an instance, a name, `{ className, config }` or a config file's `{ l2: 0.001 }`. */
export function getRegularizer(like: RegularizerLike | undefined, key = 'regularizer'): Regularizer | undefined {
  if (like === undefined || like === null) return undefined;
  if ('l1' in Object(like) && 'l2' in Object(like) && 'config' in Object(like)) return like as Regularizer;
  const { entry, options } = regularizerRegistry.parse(like, key);
  return entry.make(options);
}

/** A regularizer in an options schema: `{l1: x}`, `{l2: x}` or `{l1l2: {l1: x, l2: y}}`, kept as written. */
export const regularizerOption = () => regularizerRegistry.schema<RegularizerLike>('either');
