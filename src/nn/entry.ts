// A layer's entry in the layer registry (registry.ts lists them): its config-file name, its saved class
// name, the schema of its options as a config file writes them, how to build it from those and how to
// rebuild it from what its getConfig wrote. Each layer's file holds its entries next to its implementation.
import type { z } from 'zod';
import { bool, type CamelKeys, camelKeys, type Entry } from '../registry.js';
import { activationOption } from './activations.js';
import { initializerOption } from './initializers.js';
import type { Layer, LayerConfig, SavedLayer } from './layer.js';
import { regularizerOption } from './regularizers.js';

/** What building a layer needs besides its options. */
export interface LayerBuild {
  /** [T, F] of the model's input, given to the first layer. */
  readonly inputShape?: [number, number];
  /** Builds the layer a wrapper's options name (`{gru: {...}}` in a config file). */
  readonly inner: (spec: unknown, inputShape?: [number, number]) => Layer;
}

export interface LayerEntry<S extends z.ZodType = z.ZodType> extends Entry {
  readonly className: string;
  readonly options: S;
  readonly doc: string;
  /** Options a config file may give it, as an example (and for tests); absent when `{}` will do. */
  readonly example?: z.input<S>;
  build(options: z.output<S>, ctx: LayerBuild): Layer;
  /** `inner` rebuilds a nested saved layer (Bidirectional's, TimeDistributed's). */
  fromConfig(config: LayerConfig, inner: (saved: SavedLayer) => Layer): Layer;
}

/** Types an entry's `build` by its own options schema. */
export const layerEntry = <S extends z.ZodType>(entry: LayerEntry<S>): LayerEntry<S> => entry;

/** A saved config read back as the options it was written from (Keras' `cls(**config)`); constructors check them. */
export const savedOptions = <O>(config: LayerConfig): O => config as O;

/** A layer's TypeScript options from its config-file options: the same in camelCase, an input shape, a name. */
export type OptionsOf<S extends z.ZodType> = CamelKeys<z.output<S>> & { inputShape?: [number, number]; name?: string };

/**
 * The entry of a layer whose TypeScript options are its config-file options in camelCase and whose saved
 * config is those options again (every layer but the wrappers): `create` is its constructor function.
 */
export function optionsLayer<S extends z.ZodType>(
  e: Omit<LayerEntry<S>, 'build' | 'fromConfig'> & { create: (options: OptionsOf<S>) => Layer },
): LayerEntry<S> {
  const { create, ...entry } = e;
  return {
    ...entry,
    build: (o, ctx) => create({ ...camelKeys(o), inputShape: ctx.inputShape }),
    fromConfig: (c) => create(savedOptions(c)),
  };
}

/** The options of a layer with a kernel and a bias (Dense, Conv1D, recurrent layers) as a config file writes them. */
export const kernelOptions = {
  activation: activationOption().optional(),
  use_bias: bool().optional(),
  kernel_initializer: initializerOption().optional(),
  bias_initializer: initializerOption().optional(),
  kernel_regularizer: regularizerOption().optional(),
  bias_regularizer: regularizerOption().optional(),
  activity_regularizer: regularizerOption().optional(),
};
