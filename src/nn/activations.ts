// Activations: a registry from their names (Keras spelling) to the engine's kernel ids.

import { ACT, type ActivationName } from '../engine/index.js';
import { type Entry, Registry } from '../registry.js';

export type { ActivationName };

export interface ActivationEntry extends Entry {
  readonly name: ActivationName;
  /** The engine's id of the kernel. */
  readonly id: number;
}

const DOC: Record<ActivationName, string> = {
  linear: 'x',
  sigmoid: '1 / (1 + e^-x)',
  hard_sigmoid: 'clip(x/6 + 1/2, 0, 1)',
  tanh: 'tanh x',
  relu: 'max(x, 0)',
  softsign: 'x / (1 + |x|)',
  elu: 'x, or e^x - 1 below 0',
};
const ALIASES: Partial<Record<ActivationName, readonly string[]>> = { hard_sigmoid: ['hardSigmoid'] };

export const activationRegistry = new Registry<ActivationEntry>(
  {
    kind: 'activation',
    title: 'activations',
    note: 'any of them in recurrent layers, for either slot',
  },
  (Object.keys(ACT) as ActivationName[]).map((name) => ({
    name,
    id: ACT[name],
    doc: DOC[name],
    ...(ALIASES[name] ? { aliases: ALIASES[name] } : {}),
  })),
);

export const ACTIVATIONS: ActivationName[] = [...activationRegistry.names];

/** The kernel id of an activation, by any of its spellings. */
export function activationId(name: string, key = 'activation'): number {
  return activationRegistry.get(name, key).id;
}

/** An activation in an options schema: any spelling, kept as its config name. */
export const activationOption = () =>
  activationRegistry.schema<string>('name').transform((v) => activationRegistry.get(v).name);
