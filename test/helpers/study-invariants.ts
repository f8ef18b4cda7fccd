// What a study that many processes shared must look like once every one of them is gone and a last `tune --resume`
// ran (scripts/chaos.ts after its random signals, test/cli/study-chaos.test.ts after its chosen ones): each broken
// rule as one line, none when all hold.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type FrozenTrial, openStorage } from '../../src/storage/index.js';
import { loadModel } from '../../src/train/index.js';
import { counted } from '../../src/tune/loop.js';

const STATES = ['complete', 'pruned', 'failed'];

/**
 * Trial numbers unique and dense from 0; every trial complete, pruned or failed (none running or waiting); every
 * complete trial with a finite value and, unless `baseline` allows the empty params of auto's baseline, params; the
 * trials counted against the budget (loop.ts's counted) at most `trials`.
 */
export function trialProblems(all: readonly FrozenTrial[], o: { trials?: number; baseline?: boolean }): string[] {
  const out: string[] = [];
  const numbers = all.map((t) => t.number).sort((a, b) => a - b);
  if (!numbers.every((n, i) => n === i)) out.push(`trial numbers not unique and dense from 0: ${numbers.join(',')}`);
  for (const t of all) {
    if (!STATES.includes(t.state)) out.push(`trial #${t.number} is ${t.state} (${t.owner ?? 'no owner'})`);
    if (t.state !== 'complete') continue;
    if (typeof t.value !== 'number' || !Number.isFinite(t.value)) out.push(`complete trial #${t.number}: ${t.value}`);
    if (!o.baseline && Object.keys(t.params).length === 0) out.push(`complete trial #${t.number} has no params`);
  }
  if (o.trials !== undefined && counted(all) > o.trials)
    out.push(`${counted(all)} trials counted against the trial budget of ${o.trials}`);
  return out;
}

/** The study's trials in storage at `url`, and trialProblems of them. */
export async function storedTrials(
  url: string,
  study: string,
  o: { trials?: number; baseline?: boolean },
): Promise<{ trials: FrozenTrial[]; problems: string[] }> {
  const st = openStorage(url, { existing: true });
  try {
    const trials = await st.getTrials(study);
    return { trials, problems: trialProblems(trials, o) };
  } finally {
    await st.close();
  }
}

/**
 * Every complete trial's run folder (attrs.run_dir) is whole: its files there and a model that loads; nothing under
 * `runs` is a temporary (`*.partial*`: a run folder or file being written, or one a killed process left).
 */
export async function folderProblems(runs: string, trials: readonly FrozenTrial[]): Promise<string[]> {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of existsSync(d) ? readdirSync(d) : []) {
      const p = join(d, n);
      if (n.includes('.partial')) out.push(`a temporary is left: ${p}`);
      else if (statSync(p).isDirectory() && !existsSync(join(p, 'model'))) walk(p);
    }
  };
  walk(runs);
  out.push(...orphanFolders(runs, trials));
  for (const t of trials.filter((x) => x.state === 'complete')) {
    const rd = t.attrs.run_dir;
    if (typeof rd !== 'string') {
      out.push(`complete trial #${t.number} has no run folder`);
      continue;
    }
    for (const f of ['config.yaml', 'history.json', 'metrics.json', 'model/model.json'])
      if (!existsSync(join(rd, f))) out.push(`trial #${t.number}: its run folder ${rd} has no ${f}`);
    try {
      (await loadModel(join(rd, 'model'))).dispose();
    } catch (e) {
      out.push(`trial #${t.number}: the model in ${rd} does not load (${(e as Error).message})`);
    }
  }
  return out;
}

/** The `trial-N` folders under `runs/<study>/` of a trial that failed (it writes none) or is not stored at all. */
function orphanFolders(runs: string, trials: readonly FrozenTrial[]): string[] {
  const out: string[] = [];
  const dirs = (d: string) => (existsSync(d) && statSync(d).isDirectory() ? readdirSync(d) : []);
  for (const study of dirs(runs))
    for (const n of dirs(join(runs, study))) {
      const m = /^trial-(\d+)$/.exec(n);
      const t = m ? trials.find((x) => x.number === Number(m[1])) : undefined;
      if (m && (t === undefined || t.state === 'failed'))
        out.push(`run folder ${join(runs, study, n)} of trial #${m[1]}, which is ${t?.state ?? 'not stored'}`);
    }
  return out;
}

/** The best of `study show --json` against the complete trials: the lowest value (objectives are minimised). */
export function bestProblems(show: { best: { number: number; value: number } | null }, trials: FrozenTrial[]) {
  const complete = trials.filter((t) => t.state === 'complete');
  if (!complete.length) return show.best === null ? [] : [`a best #${show.best.number} without a complete trial`];
  const min = Math.min(...complete.map((t) => t.value!));
  return show.best?.value === min ? [] : [`best ${show.best?.value} (#${show.best?.number}), the lowest value ${min}`];
}
