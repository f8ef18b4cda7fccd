// A saved model is a folder: model.json (format, seed, input shape, every layer's config, the
// compile settings, and where each weight sits) and weights.bin (float32, little-endian). Both
// are written to temporary names and renamed, so an interrupted save never leaves a half file.
// This file writes it (model.save() calls it, so it cannot import model.ts); load.ts reads it back.
import { createHash } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SeqtuneError, ValueError } from '../errors.js';
import type { LossConfig, SavedLayer } from '../nn/index.js';
import type { OptimizerConfig } from '../optim/index.js';
import type { MetricName } from './metrics.js';
import type { CompiledStack } from './types.js';

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

/**
 * The optimizer's settings, at the learning rate training would go on from. A schedule that ends at zero (cosine
 * run to t_max) leaves a current rate no optimizer accepts, so the model saves the rate the schedule starts from.
 */
function savedOptimizer(model: CompiledStack): OptimizerConfig {
  const opt = model.optimizer!.getConfig();
  const base = model.baseLearningRate;
  if (!((opt.config.learningRate as number) > 0) && base && base > 0)
    return { ...opt, config: { ...opt.config, learningRate: base } };
  return opt;
}

export async function saveModel(model: CompiledStack, dir: string): Promise<void> {
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
            optimizer: savedOptimizer(model),
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
