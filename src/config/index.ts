// config/: the YAML config file: schema, loading with clear errors, building the run's objects.
export { configSchema, LAYER_KEYS } from './schema.js';
export type { RawConfig } from './schema.js';
export { ConfigError, loadConfig, parseConfig, checkConfig, pathString } from './load.js';
export type { LoadedConfig } from './load.js';
export { resolveConfig, dataSpec, buildLayers, compileOptions, compiledModel, callbacksOf, scheduleOf, baselinesOf, camelKeys, TRAIN_DEFAULTS } from './build.js';
