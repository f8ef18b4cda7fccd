// Activation names (Keras spelling) to kernel ids.

import { ACT, type ActivationName } from '../engine/index.js';
import { expected, ValueError } from '../errors.js';

export type { ActivationName };
export const ACTIVATIONS = Object.keys(ACT) as ActivationName[];

export function activationId(name: string, key = 'activation'): number {
  const alias = name === 'hardSigmoid' ? 'hard_sigmoid' : name;
  if (!(alias in ACT)) throw new ValueError(expected(key, `one of ${ACTIVATIONS.join(', ')}`, name));
  return ACT[alias as ActivationName];
}
