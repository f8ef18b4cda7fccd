// The layers as one namespace, as keras.layers: import { layers } from 'seqtune'; layers.gru({ units: 64 }).
// Each layer's file is here whole (constructor, class, options type), so a layer added to one is here too.

export * from './bidirectional.js';
export * from './conv.js';
export * from './dense.js';
export * from './dropout.js';
export * from './normalization.js';
export * from './pooling.js';
export * from './recurrent.js';
export * from './reshape.js';
export * from './skip.js';
export * from './timestep.js';
