// Weight and activity regularizers (Keras): penalty l1 sum|w| + l2 sum w^2, added to the loss.
import { expected, ValueError } from '../errors.js';

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

/** @example kernelRegularizer: l2(1e-4) */
export const l1 = (v = 0.01): Regularizer => make(v, 0, 'l1');
export const l2 = (v = 0.01): Regularizer => make(0, v, 'l2');
export const l1l2 = (o: { l1?: number; l2?: number } = {}): Regularizer => make(o.l1 ?? 0.01, o.l2 ?? 0.01, 'l1l2');

/**
 * A regularizer from an instance, a name, `{ className, config }` or YAML style
 * `{ l2: 0.001 }` / `{ l1l2: { l1, l2 } }`.
 */
export function getRegularizer(like: RegularizerLike | undefined, key = 'regularizer'): Regularizer | undefined {
  if (like === undefined || like === null) return undefined;
  if (typeof like === 'string') {
    if (like === 'l1') return l1();
    if (like === 'l2') return l2();
    if (like === 'l1l2') return l1l2();
    throw new ValueError(expected(key, 'l1, l2 or l1l2', like));
  }
  if ('l1' in like && 'l2' in like && 'config' in like) return like as Regularizer;
  if ('className' in like) {
    const c = like as RegularizerConfig;
    if (c.className === 'l1') return l1(c.config?.l1);
    if (c.className === 'l2') return l2(c.config?.l2);
    if (c.className === 'l1l2') return l1l2(c.config);
    throw new ValueError(expected(`${key}.className`, 'l1, l2 or l1l2', c.className));
  }
  const entries = Object.entries(like);
  if (entries.length === 1) {
    const [name, v] = entries[0]!;
    if (name === 'l1' && typeof v === 'number') return l1(v);
    if (name === 'l2' && typeof v === 'number') return l2(v);
    if (name === 'l1l2' && typeof v === 'object') return l1l2(v);
  }
  throw new ValueError(expected(key, '{l1: x}, {l2: x} or {l1l2: {l1, l2}}', JSON.stringify(like)));
}
