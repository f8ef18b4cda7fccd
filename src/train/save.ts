// A saved model is a folder: model.json (format, seed, input shape, every layer's config, the
// compile settings, and where each weight sits) and weights.bin (float32, little-endian). Both
// are written to temporary names and renamed, so an interrupted save never leaves a half file;
// loading checks sizes and a SHA-256 of the weights and says what is wrong.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqtuneError, ValueError } from '../engine/errors.js';
import { type LossConfig, layerFromConfig, type SavedLayer } from '../nn/index.js';
import type { OptimizerConfig } from '../optim/index.js';
import type { MetricName } from './metrics.js';
import { Model } from './model.js';

export const MODEL_FORMAT = 'seqtune-model';
export const MODEL_VERSION = 1;

/** A saved model that cannot be read back. */
export class ModelFileError extends SeqtuneError {}

export interface SavedModel {
  format: typeof MODEL_FORMAT;
  version: number;
  seed: number;
  inputShape: number[];
  layers: SavedLayer[];
  compile: {
    optimizer: OptimizerConfig;
    loss: LossConfig;
    metrics: MetricName[];
    clipnorm?: number;
    clipvalue?: number;
  } | null;
  weights: { name: string; shape: number[]; offset: number; length: number }[];
  weightsFile: string;
  weightsBytes: number;
  sha256: string;
}

export async function saveModel(model: Model, dir: string): Promise<void> {
  if (!model.built) throw new ValueError('save: the model is not built yet (give inputShape or fit it first)');
  await mkdir(dir, { recursive: true });
  const inS = model.inputShape!;
  const total = model.weights.reduce((n, w) => n + w.size, 0);
  const bin = new Float32Array(total);
  const entries: SavedModel['weights'] = [];
  let off = 0;
  for (const w of model.weights) {
    bin.set(model.weightView(w), off);
    entries.push({ name: `${w.layer}/${w.name}`, shape: [...w.shape], offset: off, length: w.size });
    off += w.size;
  }
  const bytes = new Uint8Array(bin.buffer);
  const json: SavedModel = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    seed: model.seed,
    inputShape: inS.T === null ? [inS.F] : [inS.T, inS.F],
    layers: model.layerConfigs(),
    compile:
      model.optimizer && model.loss
        ? {
            optimizer: model.optimizer.getConfig(),
            loss: model.loss.config,
            metrics: model.metrics,
            clipnorm: model.clipnorm,
            clipvalue: model.clipvalue,
          }
        : null,
    weights: entries,
    weightsFile: 'weights.bin',
    weightsBytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  await writeFile(join(dir, 'weights.bin.tmp'), bytes);
  await writeFile(join(dir, 'model.json.tmp'), `${JSON.stringify(json, null, 2)}\n`);
  await rename(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'));
  await rename(join(dir, 'model.json.tmp'), join(dir, 'model.json'));
}

/** Reads a folder written by model.save(); predictions are bit-identical to the saved model's. */
export async function loadModel(dir: string): Promise<Model> {
  const jsonPath = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw new ModelFileError(
      `${jsonPath}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { cause: e },
    );
  }
  let saved: SavedModel;
  try {
    saved = JSON.parse(text) as SavedModel;
  } catch (e) {
    throw new ModelFileError(
      `${jsonPath}: not valid JSON (${(e as Error).message}); the file is corrupt or truncated`,
      { cause: e },
    );
  }
  if (saved?.format !== MODEL_FORMAT)
    throw new ModelFileError(
      `${jsonPath}: format: expected "${MODEL_FORMAT}", received ${JSON.stringify(saved?.format)}`,
    );
  if (saved.version !== MODEL_VERSION)
    throw new ModelFileError(`${jsonPath}: version: expected ${MODEL_VERSION}, received ${saved.version}`);
  if (!Array.isArray(saved.layers) || !Array.isArray(saved.weights) || !Array.isArray(saved.inputShape))
    throw new ModelFileError(`${jsonPath}: layers, weights and inputShape must be lists`);
  const binPath = join(dir, saved.weightsFile ?? 'weights.bin');
  let buf: Uint8Array;
  try {
    const b = await readFile(binPath);
    buf = new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    throw new ModelFileError(`${binPath}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  if (buf.length !== saved.weightsBytes)
    throw new ModelFileError(
      `${binPath}: expected ${saved.weightsBytes} bytes, found ${buf.length}; ` +
        'the file is truncated or does not belong to this model.json',
    );
  const digest = createHash('sha256').update(buf).digest('hex');
  if (digest !== saved.sha256)
    throw new ModelFileError(
      `${binPath}: SHA-256 ${digest.slice(0, 12)}... does not match model.json ` +
        `(${String(saved.sha256).slice(0, 12)}...); the weights are corrupt`,
    );
  const floats = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
  const layers = saved.layers.map((l, i) => layerFromConfig(l, `${jsonPath}: layers[${i}]`));
  const model = new Model(layers, { seed: saved.seed, inputShape: saved.inputShape as [number, number] });
  const values: Record<string, Float32Array> = {};
  for (const w of saved.weights) {
    if (w.offset + w.length > floats.length)
      throw new ModelFileError(`${jsonPath}: weight ${w.name} reaches past the end of ${binPath}`);
    values[w.name] = floats.subarray(w.offset, w.offset + w.length);
  }
  const missing = model.weights.map((w) => `${w.layer}/${w.name}`).filter((k) => !(k in values));
  if (missing.length) throw new ModelFileError(`${jsonPath}: no saved values for ${missing.join(', ')}`);
  try {
    model.setWeights(values);
  } catch (e) {
    throw new ModelFileError(`${jsonPath}: ${(e as Error).message}`, { cause: e });
  }
  if (saved.compile)
    model.compile({
      optimizer: saved.compile.optimizer,
      loss: saved.compile.loss,
      metrics: saved.compile.metrics,
      clipnorm: saved.compile.clipnorm,
      clipvalue: saved.compile.clipvalue,
    });
  return model;
}
