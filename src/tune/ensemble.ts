// `seqtune study ensemble NAME --top K`: retrains the K best trials of a study and fuses their
// forecasts (mean, 1/MSE-weighted or a least-squares stacker fitted on validation), scored on the
// test windows next to each member and the naive baselines.
import { dirname } from 'node:path';
import {
  baselinesOf,
  callbacksOf,
  compiledModel,
  type LoadedConfig,
  type RawConfig,
  scheduleOf,
} from '../config/index.js';
import { baselineScores, scoreForecast } from '../data/index.js';
import { checkOutputWidth, defaultRunDir, RunFolder, splitTensors } from '../run/index.js';
import { type FrozenTrial, type Storage, StorageError } from '../storage/index.js';
import { type FusionMethod, fuseModels, type Model } from '../train/index.js';
import { applyParams } from './space.js';
import { prepareFor, type TrialEnv } from './trial.js';

export async function studyEnsemble(
  storage: Storage,
  name: string,
  o: { top: number; method?: FusionMethod; out?: string; log?: (l: string) => void },
) {
  const log = o.log ?? (() => {});
  const rec = await storage.getStudy(name);
  if (!rec) throw new StorageError(`no study named "${name}"`);
  const base = rec.attrs.config as RawConfig,
    file = rec.attrs.config_file as string;
  if (!base || !file)
    throw new StorageError(`study "${name}" does not record its config; it was made by an older seqtune`);
  const top = (await storage.getTrials(name))
    .filter((t) => t.state === 'complete' && t.value !== null)
    .sort((a, b) => a.value! - b.value!)
    .slice(0, o.top);
  if (top.length === 0) throw new StorageError(`study "${name}" has no completed trial`);
  const loaded: LoadedConfig = { raw: base, file, dir: dirname(file), name };
  const env = { loaded, base, storage, study: name, repeats: 1, objective: 'val_loss', dataCache: new Map() };
  const d0 = await prepareFor(env, base);
  const members = await retrainMembers(env, top, log);
  const val = splitTensors(d0, 'val', members[0]!),
    test = splitTensors(d0, 'test', members[0]!);
  const relVal: [(typeof val)[0], (typeof val)[1]] = [val[0], val[1]];
  const fusion = fuseModels(members, { method: o.method ?? 'mean', validation: relVal });
  const scoreOf = (pred: Float32Array) => scoreForecast(d0, 'test', pred);
  const result = {
    study: name,
    method: o.method ?? 'mean',
    members: top.map((t) => ({ trial: t.number, params: t.params, val: t.value })),
    weights: fusion.weights,
    test: {
      ensemble: scoreOf(fusion.predict(test[0]).data),
      members: members.map((m) => scoreOf(m.predict(test[0]).data)),
      baselines: baselineScores(d0, 'test', baselinesOf(base)),
    },
  };
  const folder = await RunFolder.create(o.out ?? defaultRunDir(name).replace(/([^/]+)$/, 'ensemble-$1'));
  try {
    await folder.json('ensemble.json', result);
    for (const [i, m] of members.entries()) await m.save(folder.path(`member-${i + 1}`));
    return { ...result, dir: await folder.commit() };
  } catch (e) {
    await folder.abort();
    throw e;
  }
}

/** Each trial's config retrained from scratch (they must all keep the base config's data section). */
async function retrainMembers(env: TrialEnv, top: FrozenTrial[], log: (l: string) => void): Promise<Model[]> {
  const { base, loaded } = env;
  const members: Model[] = [];
  for (const t of top) {
    const cfg = applyParams(base, t.params);
    const d = await prepareFor(env, cfg);
    if (JSON.stringify(cfg.data) !== JSON.stringify(base.data))
      throw new StorageError(
        `trial ${t.number} changes the data section; an ensemble needs members on the same windows`,
      );
    const m = compiledModel(loaded.file, cfg, d.features.length);
    checkOutputWidth(loaded.file, cfg, m, d);
    const started = performance.now();
    log(`member ${members.length + 1}/${top.length}: retraining trial ${t.number} ${JSON.stringify(t.params)}`);
    await m.fit(...splitTensors(d, 'train', m), {
      epochs: cfg.train!.epochs,
      batchSize: cfg.train!.batch_size,
      shuffle: cfg.train!.shuffle,
      validationData: splitTensors(d, 'val', m),
      callbacks: callbacksOf(cfg),
      schedule: scheduleOf(cfg),
      onWarning: () => {},
    });
    members.push(m);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(`member ${members.length}/${top.length}: trial ${t.number} retrained in ${seconds} s`);
  }
  return members;
}
