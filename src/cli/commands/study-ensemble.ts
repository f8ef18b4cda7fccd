// seqtune study ensemble NAME [--top K | --trials 3,7] [--method M] [--linear]: the saved models of the best K
// distinct trials (or of the trials named), fused into a run folder that predict and evaluate read; the best as the
// study's end reads its trials (studyReading: the mean over seeds of steady values), not by their lowest value.

import type { Command } from 'commander';
import { openStorage } from '../../storage/index.js';
import { FUSION_METHODS, type FusionMethod } from '../../train/index.js';
import { digitsApart, standsFor, studyEnsemble } from '../../tune/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';
import { oneOf, positiveInt, trialNumbers } from '../options.js';

interface StudyEnsembleOptions {
  storage: string;
  top: number;
  method: FusionMethod;
  out?: string;
  linear?: boolean;
  trials?: number[];
}

type Ensemble = Awaited<ReturnType<typeof studyEnsemble>>;

/**
 * `ensemble of 3 (mean): validation MSE ... (cross-fitted; steady ...) vs ... for #14's configuration (the mean over
 * its 3 seeds, steady; trial 56 is its best seed); test MSE ...; members ...; persistence ..., mean ...  (DIR)`, each
 * figure named with what it is and whose it is (standsFor); or, when the fusion is not kept, why: `not better than
 * each member on validation (trial 53 alone ... vs ... cross-fitted)`, else not better than the study's best read
 * steady (the figures above), then `the folder uses trial 53: ...`. The member lowest on validation was named only
 * when it was not the study's best: shampoo printed "not better than trial 53 on validation (validation MSE 0.4043
 * (cross-fitted; steady 0.4176) vs 0.5440 (steady) for trial 53)", every figure in the fusion's favour, trial 53's
 * own 0.3696 left out. The baselines are those the config's evaluate.baselines scored: persistence alone was read,
 * and a config without it (evaluate.baselines: [mean]) ended the command with a TypeError, exit 1, after the
 * ensemble folder was written.
 */
export function summary(r: Ensemble): string {
  const [dVal, dTest] = summaryDigits(r);
  const mse = (x: { mse: number }) => x.mse.toPrecision(dTest);
  const pVal = (v: number) => v.toPrecision(dVal);
  const members = r.test.members.map((m) => mse(m.scaled)).join(', ');
  const baselines = Object.entries(r.test.baselines.scaled).map(([b, x]) => `${b} ${mse(x)}`);
  const n = r.members.length;
  const best = r.val.best_trial === null ? 'the linear baseline' : `trial ${r.val.best_trial}`;
  // read as the study reads its trials (steady values): the values compared
  const s = r.val.steady;
  const val = s
    ? `validation MSE ${pVal(r.val.fusion)} (cross-fitted; steady ${pVal(s.fusion)}) vs ${pVal(s.best_member!)} ` +
      `for ${standsFor(r.val)}`
    : `validation MSE ${pVal(r.val.fusion)} (cross-fitted) vs ${pVal(r.val.best_member!)} for ${best}`;
  // a member lower on validation than the fusion (cross-fitted) keeps it out, whichever model the folder then uses
  const low = r.members.reduce((a, m) => ((m.val_mse ?? Infinity) < (a.val_mse ?? Infinity) ? m : a));
  const lowVal = low.val_mse ?? Infinity;
  const name = (m: typeof low) => (m.trial === null ? 'the linear baseline' : `trial ${m.trial}`);
  const notBetter = !s
    ? `not better than ${best} on validation (${val})`
    : lowVal <= r.val.fusion
      ? `not better than each member on validation (${name(low)} alone ${pVal(lowVal)} vs ${pVal(r.val.fusion)} ` +
        'cross-fitted)'
      : `not better than ${best} on validation read steady (${val})`;
  const head =
    n === 1
      ? `ensemble of 1 (${r.method}): test MSE ${mse(r.test.ensemble.scaled)}`
      : r.kept === 'fusion'
        ? `ensemble of ${n} (${r.method}): ${val}; test MSE ${mse(r.test.ensemble.scaled)}`
        : `ensemble of ${n} (${r.method}) ${notBetter}; the folder uses ${best}: ` +
          `test MSE ${mse(r.test.ensemble.scaled)} (fusion ${mse(r.test.fusion.scaled)})`;
  return `${head}; members ${members}${baselines.length ? `; ${baselines.join(', ')}` : ''}  (${r.dir})`;
}

/**
 * The significant digits of summary's validation figures and of its test figures, each set printed apart
 * (digitsApart), as auto's end prints its own: at 4 always, two different values could read alike ('validation MSE
 * 0.1671 ... vs 0.1671').
 */
function summaryDigits(r: Ensemble): [number, number] {
  const s = r.val.steady;
  const val = [r.val.fusion, r.val.best_member, s?.fusion, s?.best_member, ...r.members.map((m) => m.val_mse)];
  const t = r.test;
  const test = [...[t.ensemble, t.fusion, ...t.members].map((x) => x.scaled), ...Object.values(t.baselines.scaled)];
  const known = (xs: readonly (number | null | undefined)[]) => xs.filter((x): x is number => typeof x === 'number');
  return [digitsApart(known(val)), digitsApart(test.map((x) => x.mse))];
}

export function addStudyEnsemble(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('ensemble')
    .argument('<name>', 'the study')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option(
      '--top <k>',
      "how many of the best trials (as auto's end ranks them; those on the best's windows)",
      positiveInt('--top'),
      3,
    )
    .option(
      '--method <m>',
      `${FUSION_METHODS.join(', ')} (blend: the convex weights with the lowest validation MSE)`,
      oneOf<FusionMethod>('--method', [...FUSION_METHODS]),
      'mean',
    )
    .option(
      '--out <dir>',
      'the ensemble run folder (ensemble.json and member-N/; default: runs/<name>/ensemble-<time> beside the config)',
    )
    .option(
      '--trials <list>',
      'these trials (numbers separated by commas) in place of the best K',
      trialNumbers('--trials'),
    )
    .option('--linear', "add the linear baseline at the members' lookback as one more member")
    .description("fuse the best K distinct trials' saved models into one run folder")
    .action(async (name: string, o: StudyEnsembleOptions) => {
      if (o.trials && cmd.getOptionValueSource('top') === 'cli')
        throw new UsageError('--top and --trials: give one (the best K trials, or the trials named)');
      const pick = o.trials ? { top: o.trials.length, members: o.trials } : { top: o.top };
      // the ensemble is a run folder; the study is only read (an older seqtune's file is left as it is)
      const st = openStorage(o.storage, { readOnly: true });
      try {
        const options = { ...pick, method: o.method, out: o.out, linear: o.linear, log, studyReading: true };
        log(summary(await studyEnsemble(st, name, options)));
      } finally {
        await st.close();
      }
    });
  return withExamples(
    cmd,
    'seqtune study ensemble my-forecast --top 3 --method stacked',
    'seqtune study ensemble my-forecast --top 1 --linear --method blend',
    'seqtune study ensemble my-forecast --trials 12,40 --linear --method blend',
  );
}
