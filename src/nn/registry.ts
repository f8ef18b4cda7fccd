// The layer registry: every layer, one list. A config file's `{gru: {units: 64}}` and a saved model's
// `{className: 'GRU', config}` both come back as layers through it; the config schema, the README's table
// and the "did you mean" of an unknown layer come from the same list. A layer's entry lives in its own
// file, next to its implementation (recurrentLayers in recurrent.ts, ...).
import { ValueError } from '../errors.js';
import { Registry, unknownName } from '../registry.js';
import { bidirectionalLayers } from './bidirectional.js';
import { convLayers } from './conv.js';
import { denseLayers } from './dense.js';
import { noiseLayers } from './dropout.js';
import type { LayerEntry } from './entry.js';
import type { Layer, LayerConfig, SavedLayer } from './layer.js';
import { normalizationLayers } from './normalization.js';
import { poolingLayers } from './pooling.js';
import { recurrentLayers } from './recurrent.js';
import { reshapeLayers } from './reshape.js';
import { LinearSkip } from './skip.js';
import { timestepLayers } from './timestep.js';

export type { SavedLayer };

export const layerRegistry = new Registry<LayerEntry>(
  {
    kind: 'layer',
    title: 'layers',
    note:
      'recurrent layers take `dropout` and `recurrent_dropout` (Keras semantics) and kernel, recurrent and ' +
      'bias initializers and regularizers',
  },
  [
    ...recurrentLayers,
    ...denseLayers,
    ...noiseLayers,
    ...bidirectionalLayers,
    ...reshapeLayers,
    ...convLayers,
    ...poolingLayers,
    ...normalizationLayers,
    ...timestepLayers,
  ],
);

type Factory = (config: LayerConfig) => Layer;
const loadOnly = new Map<string, Factory>();

/** Registers a layer class for loading (a layer defined outside seqtune; it is not named in config files). */
export function registerLayer(className: string, factory: Factory): void {
  loadOnly.set(className, factory);
}

// A linear skip is written as model.linear_skip in a config file, not as a layer; saved models name it.
registerLayer('LinearSkip', (c) => LinearSkip.fromConfig(c, (s) => layerFromConfig(s, 'LinearSkip.layers')));

/** A layer from what a saved model records, `{ className, config }` (Keras' `deserialize`). */
export function layerFromConfig(saved: SavedLayer, key = 'layer'): Layer {
  const config = saved?.config ?? {};
  const f = loadOnly.get(saved?.className);
  if (f) return f(config);
  const entry = layerRegistry.find(saved?.className);
  if (entry) return entry.fromConfig(config, (inner) => layerFromConfig(inner, `${key}.layer`));
  const names = [...layerRegistry.classNames, ...loadOnly.keys()];
  const hint = layerRegistry.suggest(saved?.className, 'className');
  throw new ValueError(unknownName(`${key}.className`, names, saved?.className, hint));
}

/**
 * A layer from a config file's `{name: options}` (`{gru: {units: 64}}`), its options checked and typed by
 * its entry's schema; `inputShape` goes to a first layer that takes one.
 */
export function layerFromSpec(spec: unknown, key = 'layer', inputShape?: [number, number]): Layer {
  const { entry, options } = layerRegistry.parse(spec, key);
  return entry.build(options, { inputShape, inner: (s, shape) => layerFromSpec(s, `${key}.${entry.name}`, shape) });
}
