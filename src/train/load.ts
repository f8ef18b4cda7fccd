// Reads a model folder written by save.ts back into a Model; checks sizes and a SHA-256 of the
// weights and says what is wrong.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ShapeError, ValueError } from '../errors.js';
import { layerFromConfig } from '../nn/index.js';
import type { OptimizerConfig } from '../optim/index.js';
import { Model } from './model.js';
import { MODEL_FORMAT, MODEL_VERSION, ModelFileError, type SavedModel } from './save.js';

/** Reads a folder written by model.save(); predictions are bit-identical to the saved model's. */
export async function loadModel(dir: string): Promise<Model> {
  const jsonPath = join(dir, 'model.json');
  const saved = await readModelJson(jsonPath);
  const binPath = join(dir, saved.weightsFile ?? 'weights.bin');
  const floats = await readWeights(binPath, saved);
  // every weight is set below (or the folder is refused): drawing them first would only cost time
  const model = fromSaved(jsonPath, () => {
    const layers = saved.layers.map((l, i) => fromSaved(`layers[${i}]`, () => layerFromConfig(l, `layers[${i}]`)));
    return new Model(layers, { seed: saved.seed, inputShape: saved.inputShape as [number, number], initialize: false });
  });
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
  if (saved.compile) {
    const { loss, metrics, clipnorm, clipvalue } = saved.compile;
    fromSaved(jsonPath, () =>
      model.compile({ optimizer: loadedOptimizer(saved.compile!.optimizer), loss, metrics, clipnorm, clipvalue }),
    );
  }
  return model;
}

/**
 * `make()`, with a ValueError or ShapeError it throws (a layer, optimizer or loss that refuses its saved settings,
 * layers whose shapes do not fit) as a ModelFileError prefixed with `where` (the file, or a layer's key in it): such
 * a model.json was edited by hand or written by another version, and `seqtune predict` read it as a bug (exit 1 with
 * a stack), where the folder is bad input (exit 2, one line).
 */
function fromSaved<T>(where: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof ValueError || e instanceof ShapeError || e instanceof ModelFileError)) throw e;
    // a layer's className is refused under its key already (layers[0].className: ...)
    throw new ModelFileError(e.message.startsWith(where) ? e.message : `${where}: ${e.message}`, { cause: e });
  }
}

/**
 * A saved optimizer's settings. Folders written before save.ts kept the schedule's starting rate hold a zero rate
 * when the schedule ended at zero; those load with the optimizer's default rate (the weights are what they hold).
 */
function loadedOptimizer(o: OptimizerConfig): OptimizerConfig {
  if (o?.config?.learningRate !== 0) return o;
  const { learningRate: _zero, ...rest } = o.config;
  return { ...o, config: rest };
}

const cannotRead = (path: string, e: unknown) =>
  new ModelFileError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
    cause: e,
  });

/** model.json, parsed and checked for its format, version and lists. */
async function readModelJson(jsonPath: string): Promise<SavedModel> {
  let text: string;
  try {
    text = await readFile(jsonPath, 'utf8');
  } catch (e) {
    throw cannotRead(jsonPath, e);
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
  // checked here, not where the weights are read: a missing key read as 'expected undefined bytes, found 292'
  const received = (v: unknown) => (v === undefined ? 'nothing (the key is missing)' : JSON.stringify(v));
  if (!Number.isSafeInteger(saved.weightsBytes) || saved.weightsBytes < 0)
    throw new ModelFileError(
      `${jsonPath}: weightsBytes: expected the size of the weights file in bytes, ` +
        `received ${received(saved.weightsBytes)}`,
    );
  if (typeof saved.sha256 !== 'string' || !/^[0-9a-f]{64}$/i.test(saved.sha256))
    throw new ModelFileError(
      `${jsonPath}: sha256: expected the weights file's SHA-256 (64 hex digits), received ${received(saved.sha256)}`,
    );
  return saved;
}

/** weights.bin as float32, checked against the size and SHA-256 that model.json records. */
async function readWeights(binPath: string, saved: SavedModel): Promise<Float32Array> {
  let buf: Uint8Array;
  try {
    const b = await readFile(binPath);
    buf = new Uint8Array(b.buffer, b.byteOffset, b.length);
  } catch (e) {
    throw cannotRead(binPath, e);
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
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length));
}
