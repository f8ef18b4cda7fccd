// config/: the YAML config file: schema, loading with clear errors, building the run's objects.

export {
  baselinesOf,
  buildLayers,
  builtModel,
  callbacksOf,
  checkBaselines,
  compiledModel,
  compileOptions,
  dataSpec,
  fitThreads,
  resolveConfig,
  ridgeAsModel,
  scheduleOf,
  TRAIN_DEFAULTS,
  threadsOfFit,
} from './build.js';
export { knownKeysAt, unknownKeyHint } from './keys.js';
export type { LoadedConfig } from './load.js';
export { ConfigError, checkConfig, loadConfig, parseConfig, parseEvaluateSection, pathString } from './load.js';
export type { RawConfig } from './schema.js';
export { configSchema, epochKeys, LAYER_KEYS, metricsIssue } from './schema.js';
