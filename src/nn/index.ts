// nn/: layers, the layer stack, losses, initializers, activations, the seeded generator, and their registries.

export type { ActivationEntry, ActivationName } from './activations.js';
export { ACTIVATIONS, activationId, activationRegistry } from './activations.js';
export { Bidirectional, bidirectional } from './bidirectional.js';
export type { Conv1DOptions, Padding } from './conv.js';
export { Conv1D, conv1d, windowGeometry } from './conv.js';
export type { DenseOptions } from './dense.js';
export { Dense, dense } from './dense.js';
export { Dropout, dropout } from './dropout.js';
export type {
  Initializer,
  InitializerConfig,
  InitializerEntry,
  InitializerKey,
  InitializerLike,
  InitializerName,
} from './initializers.js';
export { getInitializer, initializerRegistry } from './initializers.js';
export type { Act, LayerConfig, LayerContext, ParamRef, ParamSpec, SeqShape } from './layer.js';
export { actOf, Layer, rowsOf } from './layer.js';
export type { Loss, LossConfig, LossEntry, LossLike, LossName } from './losses.js';
export { getLoss, LOSSES, lossRegistry } from './losses.js';
export type { BatchNormalizationOptions, NormalizationOptions } from './normalization.js';
export { BatchNormalization, batchNormalization, LayerNormalization, layerNormalization } from './normalization.js';
export type { PoolingOptions } from './pooling.js';
export { AveragePooling1D, averagePooling1d, MaxPooling1D, maxPooling1d } from './pooling.js';
export { Rng } from './random.js';
export type { Cell, RecurrentOptions } from './recurrent.js';
export { gru, lstm, Recurrent, simpleRNN } from './recurrent.js';
export type { Regularizer, RegularizerConfig, RegularizerEntry, RegularizerLike } from './regularizers.js';
export { getRegularizer, l1, l1l2, l2, regularizerRegistry } from './regularizers.js';
export { Flatten, flatten, RepeatVector, repeatVector, TimeDistributed, timeDistributed } from './reshape.js';
export type { WeightInfo } from './sequential.js';
export { Stack } from './sequential.js';
export type { SavedLayer } from './serialize.js';
export { layerFromConfig, registerLayer } from './serialize.js';
export type { Tensor } from './tensor.js';
export { tensor } from './tensor.js';
export { SelectTimestep, selectTimestep } from './timestep.js';
