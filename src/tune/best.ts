// What a study keeps at its end: no retraining. The best trial kept its model in its own run folder while it ran
// (trial.ts); the study points at that folder and adds its own pictures to it: the objective per trial, the
// factor importance and a curve plot per factor, each as SVG and PNG.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type ChartInfo, renderSvg, svgToPng } from '../plot/index.js';
import { studyHome, studyPath, writeWhole } from '../run/index.js';
import type { FrozenTrial, Storage } from '../storage/index.js';
import { factorChart, historyChart, importance, importanceNotYet } from './report.js';

/** The best trial's run folder, as the study's result gives it. */
export interface BestRun {
  dir: string;
  trial: number;
}

/**
 * Writes a chart as NAME.svg and NAME.png in dir, each whole or not at all: a resume writes them again over the
 * last run's, in a finished run folder, where a full disk cut them short.
 */
async function writeChart(dir: string, name: string, chart: ChartInfo): Promise<void> {
  const svg = renderSvg(chart);
  await writeWhole(join(dir, `${name}.svg`), svg);
  await writeWhole(join(dir, `${name}.png`), svgToPng(svg));
}

/**
 * Points the study at its best trial's run folder (study attribute best_run_dir) and writes the study's history,
 * importance and factor plots into it. Undefined when the best trial kept no model (a study run with saveBest off,
 * or by an older seqtune), which it says.
 */
export async function keepBest(
  c: { storage: Storage; name: string; strategy: string; objective: string; log: (l: string) => void },
  trials: readonly FrozenTrial[],
  best: FrozenTrial,
): Promise<BestRun | undefined> {
  const { storage, name, strategy, log } = c;
  const stored = best.attrs.run_dir as string | undefined;
  // read beside the study's file when the project folder was moved or copied (study-paths.ts)
  const dir = stored && studyPath(stored, studyHome(storage));
  const head = `\nbest trial #${best.number} (${c.objective} ${best.value!.toPrecision(4)})`;
  if (!dir || !existsSync(dir)) {
    const gone = dir ? ` (${dir} is not on this machine, or was removed)` : '';
    log(`${head} kept no model${gone}; train it with seqtune train to get a run folder`);
    return undefined;
  }
  log(`${head}: its model is in ${dir} (kept from the trial, not trained again)`);
  await storage.setStudyAttr(name, 'best_run_dir', dir);
  const imp = importance(trials, strategy);
  await storage.setStudyAttr(name, 'importance', imp);
  await writeChart(dir, 'study-history', historyChart(name, trials));
  await writeWhole(join(dir, 'study-importance.json'), `${JSON.stringify(imp, null, 2)}\n`);
  for (const [i, f] of imp.entries()) {
    const chart = factorChart(name, f.param, trials);
    if (chart) await writeChart(dir, `study-factor-${i + 1}`, chart);
  }
  const notYet = importanceNotYet(trials, strategy);
  const shown =
    notYet === null
      ? imp.map((x) => `${x.param} ${(100 * x.importance).toFixed(0)}%`).join(', ') || 'n/a'
      : `not enough trials yet ${notYet}`;
  log(`factor importance: ${shown}  (plots in ${dir})`);
  return { dir, trial: best.number };
}
