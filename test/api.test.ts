// The package's public surface: the root exports exactly the names the README documents (a change here is a
// change of the API, made on purpose), and every subpath in package.json `exports` has its source index.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
// The types a caller passes or receives (a custom sampler or pruner, lrFind's options and result): this file
// compiles (npm run lint type-checks it) only while the root exports them.
import type { LrFindOptions, LrFindResult, Pruner, Sampler } from '../src/index.js';
import * as root from '../src/index.js';

export type PassedAndReceived = [LrFindOptions, LrFindResult, Pruner, Sampler];

const ROOT_VALUES = [
  'AshaPruner',
  'Callback',
  'ConfigError',
  'DataError',
  'EarlyStopping',
  'ExportError',
  'ForecastFailed',
  'GridSampler',
  'HistoryError',
  'HyperbandPruner',
  'LearningRateScheduler',
  'MedianPruner',
  'MemoryLimitError',
  'MemoryStorage',
  'MissingValuesError',
  'Model',
  'ModelCheckpoint',
  'ModelFileError',
  'Optimizer',
  'RandomSampler',
  'ReduceLROnPlateau',
  'RunFolderError',
  'SeqtuneError',
  'ShapeError',
  'SqliteStorage',
  'StorageError',
  'Study',
  'StudyInterrupted',
  'TerminateOnNaN',
  'TpeSampler',
  'TuneRefused',
  'ValueError',
  'adagrad',
  'adam',
  'adamw',
  'averagePooling1d',
  'batchNormalization',
  'bidirectional',
  'checkRun',
  'conv1d',
  'createStudy',
  'demoRun',
  'dense',
  'diagnose',
  'dropout',
  'evaluateRun',
  'exportOnnx',
  'exportRun',
  'fitSnapshotEnsemble',
  'flatten',
  'gaussianNoise',
  'fuseModels',
  'gru',
  'l1',
  'l1l2',
  'l2',
  'layerNormalization',
  'layers',
  'loadConfig',
  'loadModel',
  'lrFind',
  'lstm',
  'maxPooling1d',
  'openStorage',
  'parseConfig',
  'predictRun',
  'readHistory',
  'repeatVector',
  'rmsprop',
  'runStudy',
  'selectTimestep',
  'sequential',
  'sgd',
  'simpleRNN',
  'syntheticCsv',
  'tensor',
  'timeDistributed',
  'trainRun',
];

test('the package root exports the documented API and nothing else', () => {
  assert.deepEqual(Object.keys(root).sort(), [...ROOT_VALUES].sort());
});

test('the layer constructors at the root are the ones of the layers namespace', () => {
  const top: Record<string, unknown> = { ...root },
    ns: Record<string, unknown> = { ...root.layers };
  const named = Object.keys(top).filter((k) => k in ns);
  assert.equal(named.length, 16);
  for (const name of named) assert.equal(top[name], ns[name], name);
});

test('the README documents every root export, and every name in its API section is exported', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'), readme.indexOf('## Checked against PyTorch'));
  for (const name of ROOT_VALUES)
    assert.match(section, new RegExp(`\\b${name}\\b`), `README's API section names ${name}`);
});

test('every subpath in package.json exports has its source index', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  for (const [sub, target] of Object.entries(pkg.exports as Record<string, { default: string }>)) {
    const src = target.default.replace(/^\.\/dist\//, '../src/').replace(/\.js$/, '.ts');
    assert.ok(existsSync(new URL(src, import.meta.url)), `${sub} -> ${src}`);
  }
});
