// What the study commands print about a stored study: the lines of the text views, shared by `tune`, `study ls`
// and `study show`.

import { plural } from '../../data/index.js';
import { TRIAL_STATES } from '../../storage/index.js';
import type { StudyJson } from '../../tune/index.js';

// The JSON itself is built in src/tune/study-json.ts, which the dashboard's API shares.
export { type StudyJson, studyJson } from '../../tune/index.js';

/** The lines `study show` adds for auto's choice: the mean over seeds, and the ensemble and its verdict. */
export function autoLines(j: StudyJson): string[] {
  const out: string[] = [];
  const b = j.best as
    | (StudyJson['best'] & { seed_mean?: number; seeds?: unknown[]; steady?: number; dip?: { trial: number } })
    | null;
  if (b?.seed_mean !== undefined)
    out.push(
      `best chosen by the mean over ${b.seeds!.length} seeds: ${b.seed_mean.toPrecision(6)} ` +
        `(#${b.number}, its best seed by the steady value of its curve, stands for it)`,
    );
  if (b?.steady !== undefined)
    out.push(
      `best chosen by the steady value of its curve: ${b.steady.toPrecision(6)} (#${b.dip!.trial}'s lower value ` +
        'is a dip below its neighbouring epochs)',
    );
  const e = j.ensemble;
  if (e) {
    const steady = e.val.cross_fitted !== undefined ? ' (steady values)' : '';
    const verdict = e.kept ? `kept (${e.dir})` : e.why_not ? `not kept (${e.why_not})` : 'not kept';
    out.push(
      `ensemble of ${e.what}: validation${steady} ${e.val.ensemble.toPrecision(6)} vs ${e.val.best.toPrecision(6)} ` +
        `${e.val.against ? `for ${e.val.against}` : 'alone'}, ${verdict}; ` +
        `test MSE ${e.test.scaled.mse.toPrecision(6)}`,
    );
  }
  return out;
}

/**
 * A study's trials that are not complete, counted by state: `(9 pruned)`, `(2 failed, 2 running, 1 waiting)`; '' when
 * all are complete. `study ls` read '5 trials  best -' for a study whose trials had all failed or waited.
 */
export function statesText(trials: readonly { state: string }[]): string {
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const others = TRIAL_STATES.filter((s) => s !== 'complete' && count(s) > 0).map((s) => `${count(s)} ${s}`);
  return others.length ? `(${others.join(', ')})` : '';
}

/** The best trial in a line: `#12 0.01234 {"train.batch_size":32}`, or `none`. */
export function bestText(best: { number: number; value: number | null; params: unknown } | null): string {
  return best ? `#${best.number} ${best.value!.toPrecision(4)} ${JSON.stringify(best.params)}` : 'none';
}

/** A pruned trial's end (studyJson's pruned): the pruner's words, else where it was pruned and that they are lost. */
function prunedText(p: { epoch: number | null; why: string | null }): string {
  return p.why ?? `pruned${p.epoch !== null ? ` at epoch ${p.epoch}` : ''}; its pruner's reason is not stored`;
}

/**
 * One trial of `study show`: number, state, value (+- spread over repeats), epochs, diagnosis, parameters, then why it
 * failed (and which trial runs it again), why it waits, or that the time budget or the pruner cut it short.
 */
export function trialLine(t: StudyJson['trials'][number], spreads = false): string {
  // six significant digits: close trials (0.285894 vs 0.285915) must not look tied
  const value = t.value !== null ? t.value.toPrecision(6).padStart(12) : '           -';
  // the spread of a repeated configuration in a column of its own (`spreads`: the study has some), so the columns
  // after it stay aligned
  const spread = spreads
    ? ` ${(t.repeats && t.repeats.length > 1 ? `+-${t.spread!.toPrecision(2)}` : '').padEnd(9)}`
    : '';
  const epochs = `${String(t.epochs).padStart(4)} ep`;
  const head = `#${String(t.number).padEnd(4)} ${t.state.padEnd(8)} ${value}${spread}`;
  // a failed trial's error and the trial that runs it again; a waiting trial's reason (`rerun of interrupted trial
  // #0`, `enqueued by hand`): the failed trial and its rerun read as one story, not as a loss and a stray duplicate
  const again = t.retried_as !== null ? `; enqueued again as #${t.retried_as}` : '';
  const why =
    t.state === 'failed' && t.error
      ? `  (${t.error}${again})`
      : t.state === 'waiting' && typeof t.why === 'string'
        ? `  (${t.why})`
        : t.silent_s !== null
          ? `  (no heartbeat from ${t.owner ?? 'its process'} for ${t.silent_s} s: its process may have stopped, and ` +
            "the study's next tune or worker fails it as stale)"
          : '';
  // a trial the time budget cut short, or the pruner stopped, says so: its epochs and its diagnosis are those of a
  // curve cut short (a pruned trial's read '2 ep  underfitting' as if its training had ended)
  const read = t.diagnosis ? `; the diagnosis reads only the ${plural(t.epochs, 'epoch')} it ran` : '';
  const end = t.stopped ?? (t.pruned && prunedText(t.pruned));
  const cut = end ? `  (${end}${read})` : '';
  return `${head}  ${epochs}  ${(t.diagnosis ?? '').padEnd(12)} ${JSON.stringify(t.params)}${why}${cut}`;
}
