// Layers from their saved configs: one explicit list of what can be rebuilt.
import { expected, ValueError } from '../errors.js';
import { bidirectional } from './bidirectional.js';
import { type Conv1DOptions, conv1d } from './conv.js';
import { Dense as DenseLayer, type DenseOptions, dense } from './dense.js';
import { dropout } from './dropout.js';
import type { Layer, LayerConfig } from './layer.js';
import { type BatchNormalizationOptions, batchNormalization, layerNormalization } from './normalization.js';
import { averagePooling1d, maxPooling1d, type PoolingOptions } from './pooling.js';
import { gru, lstm, Recurrent, type RecurrentOptions, simpleRNN } from './recurrent.js';
import { flatten, repeatVector, timeDistributed } from './reshape.js';
import { selectTimestep } from './timestep.js';

export interface SavedLayer {
  className: string;
  config: LayerConfig;
}

type Factory = (config: LayerConfig) => Layer;
const registry = new Map<string, Factory>([
  ['GRU', (c) => gru(c as unknown as RecurrentOptions)],
  ['LSTM', (c) => lstm(c as unknown as RecurrentOptions)],
  ['SimpleRNN', (c) => simpleRNN(c as unknown as RecurrentOptions)],
  ['Dense', (c) => dense(c as unknown as DenseOptions)],
  ['Dropout', (c) => dropout(c as { rate: number; name?: string })],
  ['SelectTimestep', (c) => selectTimestep(c.index as number, { name: c.name as string })],
  ['BatchNormalization', (c) => batchNormalization(c as BatchNormalizationOptions)],
  ['LayerNormalization', (c) => layerNormalization(c as BatchNormalizationOptions)],
  ['Conv1D', (c) => conv1d(c as unknown as Conv1DOptions)],
  ['MaxPooling1D', (c) => maxPooling1d(c as PoolingOptions)],
  ['AveragePooling1D', (c) => averagePooling1d(c as PoolingOptions)],
  ['Flatten', (c) => flatten({ name: c.name as string })],
  ['RepeatVector', (c) => repeatVector(c.n as number, { name: c.name as string })],
  [
    'TimeDistributed',
    (c) => {
      const inner = layerFromConfig(c.layer as SavedLayer);
      if (!(inner instanceof DenseLayer)) throw new ValueError('TimeDistributed.layer: expected a Dense config');
      return timeDistributed(inner, { name: c.name as string });
    },
  ],
  [
    'Bidirectional',
    (c) => {
      const inner = layerFromConfig(c.layer as SavedLayer);
      if (!(inner instanceof Recurrent))
        throw new ValueError('Bidirectional.layer: expected a GRU, LSTM or SimpleRNN config');
      return bidirectional(inner, { name: c.name as string });
    },
  ],
]);

/** Registers a layer class for loading (used by layers defined outside nn/index). */
export function registerLayer(className: string, factory: Factory): void {
  registry.set(className, factory);
}

export function layerFromConfig(saved: SavedLayer, key = 'layer'): Layer {
  const f = registry.get(saved?.className);
  if (!f)
    throw new ValueError(expected(`${key}.className`, `one of ${[...registry.keys()].join(', ')}`, saved?.className));
  return f(saved.config ?? {});
}
