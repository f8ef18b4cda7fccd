// Reading a run folder back for predict and evaluate: a trained run (model/ with its data.json), or an ensemble
// written by `seqtune study ensemble` (ensemble.json and member-N/ run folders inside), read as one predictor.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataConfig, ScalerState } from '../data/index.js';
import {
  FUSION_METHODS,
  Fusion,
  type FusionMethod,
  loadModel,
  type Model,
  ModelFileError,
  type Predictor,
} from '../train/index.js';
import { isUnfinishedRunFolder, RunFolderError } from './folder.js';

/** What model/data.json records: the data section, the CSV, the columns, the scaler, the category codes, date order. */
export interface SavedData {
  data: DataConfig;
  csvPath: string;
  features: string[];
  targets: string[];
  scaler: ScalerState;
  encodings: Record<string, string[]>;
  /** Whether the CSV's slashed dates were read day first (absent: none, or a folder older than this record). */
  dayFirst?: boolean;
}

export const ENSEMBLE_FORMAT = 'seqtune-ensemble';
export const ENSEMBLE_VERSION = 1;

/**
 * What an ensemble folder's ensemble.json must hold for predict and evaluate: the members it uses (member run
 * folders inside it) and how their forecasts are combined (train/ensembles.ts Fusion: per-member weights for mean
 * weighted and blend, per output column [intercept, w_1..w_M] for stacked). One member with weight 1 is that member.
 */
export interface EnsembleUse {
  method: FusionMethod;
  members: string[];
  weights: number[] | number[][];
}

async function readJson(path: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ModelFileError(`${path}: cannot read ${what} (${(e as Error).message})`, { cause: e });
  }
}

/** A trained run's model and data description. */
async function loadSingle(runDir: string): Promise<{ model: Predictor; saved: SavedData }> {
  const path = join(runDir, 'model', 'data.json');
  const saved = checkSaved(path, await readJson(path, 'the data description of the run'));
  checkNumericTarget(path, saved);
  const model = await loadModel(join(runDir, 'model'));
  try {
    checkAgrees(path, saved, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, saved };
}

/**
 * data.json read against the model beside it (a model/ folder copied from another run, an edited file): windows of
 * another lookback were exit 1 as a bug (a ShapeError from predict), and another horizon was scored silently, each
 * window's outputs read as another window's.
 */
function checkAgrees(path: string, saved: SavedData, model: Model): void {
  const inS = model.inputShape,
    outS = model.outputShape;
  if (!inS || !outS) return;
  const bad = (key: string, model: string, found: unknown) =>
    new ModelFileError(`${path}: ${key}: the model in model.json ${model}, found ${JSON.stringify(found)}`);
  if (inS.T !== null && inS.T !== saved.data.lookback)
    throw bad('data.lookback', `reads windows of ${inS.T} steps`, saved.data.lookback);
  if (inS.F !== saved.features.length)
    throw bad('features', `reads ${inS.F} input column${inS.F === 1 ? '' : 's'}`, saved.features);
  const H = saved.data.horizon ?? 1,
    nT = saved.targets.length;
  const width = outS.T === null ? outS.F : outS.T * outS.F;
  if (width !== H * nT)
    throw new ModelFileError(
      `${path}: data.horizon x targets: the model in model.json outputs ${width} value${width === 1 ? '' : 's'} ` +
        `a window, found horizon ${H} x ${nT} target${nT === 1 ? '' : 's'} (${saved.targets.join(', ')}) = ${H * nT}`,
    );
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isNumbers = (v: unknown, n: number) =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number');
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * model/data.json checked for what predict, evaluate and export read of it: one line naming the key, what was expected
 * and what was found. A file of valid JSON but another shape (`{}`, `[]`, `null`: an edit, a file from another
 * program) was exit 1 as a bug in seqtune, with a TypeError from deep inside ('The "path" argument must be of type
 * string. Received undefined').
 */
function checkSaved(path: string, j: unknown): SavedData {
  const bad = (key: string, exp: string, found: unknown) =>
    new ModelFileError(`${path}: ${key}: expected ${exp}, found ${JSON.stringify(found) ?? 'nothing'}`);
  if (!isObject(j)) throw bad('(the whole file)', 'an object with data, csvPath, features, targets and scaler', j);
  const data = j.data;
  if (!isObject(data)) throw bad('data', "the run's data: section", data);
  if (!Number.isInteger(data.lookback) || (data.lookback as number) < 1)
    throw bad('data.lookback', 'a positive integer', data.lookback);
  if (data.horizon !== undefined && !(Number.isInteger(data.horizon) && (data.horizon as number) > 0))
    throw bad('data.horizon', 'a positive integer', data.horizon);
  if (typeof data.target !== 'string' && !(isStrings(data.target) && data.target.length > 0))
    throw bad('data.target', 'a column name or a list of them', data.target);
  // a string or number here was read as relative by predict and the --raw-io graph, while the ONNX metadata wrote
  // it as it was found ("false", "1") for a caller to read otherwise
  if (data.relative !== undefined && typeof data.relative !== 'boolean')
    throw bad('data.relative', 'true or false', data.relative);
  // how the CSVs are read: another value made readCsv split fields at a byte no config can give
  if (data.separator !== undefined && data.separator !== ',' && data.separator !== ';' && data.separator !== '\t')
    throw bad('data.separator', '",", ";" or "\\t"', data.separator);
  if (data.decimal !== undefined && data.decimal !== '.' && data.decimal !== ',')
    throw bad('data.decimal', '"." or ","', data.decimal);
  // the order the training CSV's slashed dates were read in: "false" (a string) read them day first
  if (j.dayFirst !== undefined && typeof j.dayFirst !== 'boolean') throw bad('dayFirst', 'true or false', j.dayFirst);
  if (typeof j.csvPath !== 'string') throw bad('csvPath', 'the path of the CSV the run was trained on', j.csvPath);
  if (!isStrings(j.features) || j.features.length === 0) throw bad('features', 'a list of column names', j.features);
  if (!isStrings(j.targets) || j.targets.length === 0) throw bad('targets', 'a list of column names', j.targets);
  const sc = j.scaler;
  if (!isObject(sc) || typeof sc.kind !== 'string' || !isStrings(sc.columns))
    throw bad('scaler', '{kind, columns, center, scale}', sc);
  for (const k of ['center', 'scale'] as const)
    if (!isNumbers(sc[k], sc.columns.length))
      throw bad(`scaler.${k}`, `one number per column of scaler.columns (${sc.columns.length})`, sc[k]);
  checkScales(path, sc as unknown as ScalerState);
  if (j.encodings !== undefined && !isObject(j.encodings))
    throw bad('encodings', "{column: [category, ...]} for the run's categorical columns", j.encodings);
  return { ...j, encodings: j.encodings ?? {} } as unknown as SavedData;
}

/**
 * The scaler's centers finite and its scales positive and finite, as a fitted scaler's are (a constant column gets 1):
 * a scale of 0 made export write a graph whose raw input it warned of in 'Infinity% of its spread' (exit 0) where
 * predict refused the run, and a negative one crashed predict (exit 1, a RangeError from writing the forecast).
 */
function checkScales(path: string, sc: ScalerState): void {
  const at = (k: 'center' | 'scale', ok: (v: number) => boolean) => {
    const i = sc[k].findIndex((v) => !ok(v));
    if (i < 0) return;
    const what = k === 'scale' ? 'a positive number' : 'a finite number';
    throw new ModelFileError(
      `${path}: scaler.${k}: expected ${what} for each column, found ${sc[k][i]} for ${sc.columns[i]}`,
    );
  };
  at('center', Number.isFinite);
  at('scale', (v) => Number.isFinite(v) && v > 0);
}

/**
 * A run whose target is categorical, trained by a seqtune before a163415 made that a config error (a label-encoded
 * target that was also a feature passed): it regressed on the target's category codes, so no forecast of it reads as
 * a category. Refused here, for predict, evaluate and export alike: predict and evaluate were refused by the CSV's
 * encoding with a line that blamed the CSV ('wave.csv: data.target "y" is categorical'), and export wrote the model,
 * exit 0.
 */
function checkNumericTarget(path: string, saved: SavedData): void {
  const cats = isObject(saved.data.categorical) ? saved.data.categorical : {};
  const t = saved.targets.find((c) => c in cats);
  if (t === undefined) return;
  throw new ModelFileError(
    `${path}: data.target "${t}" is categorical (data.categorical: ${cats[t]}): the run forecasts its category codes ` +
      'as numbers (an older seqtune trained it), which no forecast can honestly be read back from; it cannot be ' +
      'predicted, evaluated or exported: train it again with a numeric target',
  );
}

/**
 * An ensemble.json that `seqtune study ensemble` wrote before 91140e9 made an ensemble a run folder: no format, its
 * members {trial, params, val} saved as model.json and weights.bin without their data description (no data.json), so
 * no seqtune can forecast with it. It was told as `format: expected "seqtune-ensemble", found undefined`.
 */
function checkNotOlder(path: string, j: { format?: unknown; study?: unknown; members?: unknown }): void {
  if (j?.format !== undefined || !Array.isArray(j?.members)) return;
  const study = typeof j.study === 'string' ? ` ${j.study}` : '';
  throw new ModelFileError(
    `${path}: an ensemble an older seqtune wrote (study ensemble before 2026-12-02 kept its members' weights ` +
      'without their data description): it cannot be predicted, evaluated or exported; make it again with this ' +
      `seqtune (seqtune study ensemble${study}, from a study whose trials kept their models)`,
  );
}

/** ensemble.json's `use`, checked: one line naming the key, what was expected and what was found. */
function checkUse(path: string, j: { format?: unknown; version?: unknown; use?: Partial<EnsembleUse> }): EnsembleUse {
  const bad = (key: string, exp: string, found: unknown) =>
    new ModelFileError(`${path}: ${key}: expected ${exp}, found ${JSON.stringify(found)}`);
  checkNotOlder(path, j);
  if (j?.format !== ENSEMBLE_FORMAT) throw bad('format', `"${ENSEMBLE_FORMAT}"`, j?.format);
  if (j.version !== ENSEMBLE_VERSION) throw bad('version', String(ENSEMBLE_VERSION), j.version);
  const u = j.use;
  if (!u || !FUSION_METHODS.includes(u.method as FusionMethod))
    throw bad('use.method', 'mean, weighted, blend or stacked', u?.method);
  const names = u.members;
  if (!Array.isArray(names) || names.length < 1 || !names.every((m) => typeof m === 'string' && /^[\w.-]+$/.test(m)))
    throw bad('use.members', 'a non-empty list of member folder names', names);
  const w = u.weights;
  const okWeights =
    Array.isArray(w) &&
    (u.method === 'stacked'
      ? w.every((r) => Array.isArray(r) && r.length === names.length + 1)
      : w.length === names.length && w.every((x) => typeof x === 'number'));
  if (!okWeights)
    throw bad('use.weights', u.method === 'stacked' ? 'per output, [intercept, one per member]' : 'one per member', w);
  return u as EnsembleUse;
}

/** An ensemble folder's members, fused as its ensemble.json says; the data description is its first member's. */
async function loadEnsemble(runDir: string): Promise<{ model: Predictor; saved: SavedData }> {
  const path = join(runDir, 'ensemble.json');
  const use = checkUse(path, (await readJson(path, 'the ensemble description')) as Parameters<typeof checkUse>[1]);
  const members = await Promise.all(use.members.map((m) => loadSingle(join(runDir, m))));
  return {
    model: new Fusion(
      members.map((m) => m.model),
      use.method,
      use.weights,
    ),
    saved: members[0]!.saved,
  };
}

const isRun = (dir: string) => existsSync(join(dir, 'ensemble.json')) || existsSync(join(dir, 'model', 'model.json'));

/**
 * The run folder checked before it is read: a config, a CSV or a study's folder of runs given where a run folder
 * belongs was told as `my.yaml/model/model.json: cannot read (ENOTDIR)`. A folder that holds run folders names a few.
 * export calls it too, before it checks its --out (whose default is inside the run folder).
 */
export function checkRunDir(runDir: string): void {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory())
    throw new RunFolderError(`${runDir}: expected a run folder, found ${existsSync(runDir) ? 'a file' : 'nothing'}`);
  // a killed train's folder may hold a whole model and still lack the rest; what export wrote into it went with it
  // when the next train beside it removed it
  if (isUnfinishedRunFolder(runDir))
    throw new RunFolderError(
      `${runDir}: expected a finished run folder, found one a command was still writing (or that a killed one ` +
        'left): it is no run, and the next run beside it removes it; train again',
    );
  if (isRun(runDir)) return;
  const runs = readdirSync(runDir)
    .filter((n) => isRun(join(runDir, n)) && !isUnfinishedRunFolder(n))
    .sort();
  const inside = runs.length
    ? `; the run folders in it: ${runs.slice(0, 3).join(', ')}${runs.length > 3 ? `, ... (${runs.length})` : ''}`
    : '';
  throw new RunFolderError(
    `${runDir}: expected a trained run with model/model.json (or an ensemble.json), found no model${inside}`,
  );
}

/** A run folder as one predictor: a trained run, or an ensemble of runs (ensemble.json). */
export async function loadRun(runDir: string): Promise<{ model: Predictor; saved: SavedData }> {
  checkRunDir(runDir);
  return existsSync(join(runDir, 'ensemble.json')) ? loadEnsemble(runDir) : loadSingle(runDir);
}
