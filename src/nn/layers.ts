// The layer constructors as one namespace: import { layers } from 'seqtune'; layers.gru({ units: 64 }).

export { bidirectional } from './bidirectional.js';
export { conv1d } from './conv.js';
export { dense } from './dense.js';
export { dropout } from './dropout.js';
export { batchNormalization, layerNormalization } from './normalization.js';
export { averagePooling1d, maxPooling1d } from './pooling.js';
export { gru, lstm, simpleRNN } from './recurrent.js';
export { flatten, repeatVector, timeDistributed } from './reshape.js';
export { selectTimestep } from './timestep.js';
