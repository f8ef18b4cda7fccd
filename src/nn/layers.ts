// The layer constructors as one namespace: import { layers } from 'seqtune'; layers.gru({ units: 64 }).
export { gru, lstm, simpleRNN } from './recurrent.js';
export { dense } from './dense.js';
export { dropout } from './dropout.js';
export { bidirectional } from './bidirectional.js';
export { selectTimestep } from './timestep.js';
export { batchNormalization, layerNormalization } from './normalization.js';
export { conv1d } from './conv.js';
export { maxPooling1d, averagePooling1d } from './pooling.js';
export { flatten, repeatVector, timeDistributed } from './reshape.js';
