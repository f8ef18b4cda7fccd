// nn/: layers, the layer stack, losses, initializers, activations, the seeded generator, and their registries.
// A layer's file is exported whole (`export *`): its class, its constructor, its options type and its
// registry entries, so a layer added to one needs no line here.

export type { ActivationEntry, ActivationName } from './activations.js';
export { ACTIVATIONS, activationId, activationRegistry } from './activations.js';
export * from './bidirectional.js';
export * from './conv.js';
export * from './dense.js';
export * from './dropout.js';
export type { LayerBuild, LayerEntry, OptionsOf } from './entry.js';
export { kernelOptions, layerEntry, optionsLayer, savedOptions } from './entry.js';
export type {
  Initializer,
  InitializerConfig,
  InitializerEntry,
  InitializerKey,
  InitializerLike,
  InitializerName,
} from './initializers.js';
export { getInitializer, initializerRegistry, withSketchedInit } from './initializers.js';
export type {
  Act,
  KernelLayerOptions,
  LayerConfig,
  LayerContext,
  ParamRef,
  ParamSpec,
  SavedLayer,
  SeqShape,
} from './layer.js';
export { actOf, Layer, rowsOf, serializeLayer } from './layer.js';
export type { Loss, LossConfig, LossEntry, LossLike, LossName } from './losses.js';
export { getLoss, LOSSES, lossRegistry } from './losses.js';
export * from './normalization.js';
export * from './pooling.js';
export { Rng } from './random.js';
export * from './recurrent.js';
export { layerFromConfig, layerFromSpec, layerRegistry, registerLayer } from './registry.js';
export type { Regularizer, RegularizerConfig, RegularizerEntry, RegularizerLike } from './regularizers.js';
export { getRegularizer, l1, l1l2, l2, regularizerRegistry } from './regularizers.js';
export * from './reshape.js';
export type { WeightInfo } from './sequential.js';
export { Stack } from './sequential.js';
export * from './skip.js';
export type { Tensor } from './tensor.js';
export { tensor } from './tensor.js';
export * from './timestep.js';
