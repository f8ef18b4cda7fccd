// What the study commands print about a stored study: the JSON of `study show --json` and the lines
// of the text views, shared by `tune`, `study ls` and `study show`.

import type { FrozenTrial } from '../../storage/index.js';
import { bestOf, importance } from '../../tune/index.js';

/** One study as `seqtune study show NAME --json` prints it (and `study ls --json`, one per study). */
export function studyJson(name: string, trials: readonly FrozenTrial[], attrs: Record<string, unknown>) {
  // auto chooses its best by the mean over seeds (a lucky seed does not win) and may keep an ensemble (issue 16)
  const byMean = attrs.best_by_mean as { trial: number; mean: number; seeds: unknown[] } | undefined;
  const best = (byMean && trials.find((t) => t.number === byMean.trial)) || bestOf(trials);
  const mean = byMean && best?.number === byMean.trial ? { seed_mean: byMean.mean, seeds: byMean.seeds } : {};
  return {
    name,
    direction: 'minimize',
    best: best
      ? { number: best.number, value: best.value, params: best.params, run_dir: attrs.best_run_dir ?? null, ...mean }
      : null,
    ensemble: (attrs.ensemble as EnsembleAttr | undefined) ?? null,
    importance: importance(trials, attrs.strategy as string | undefined),
    trials: trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value,
      params: t.params,
      epochs: t.intermediate.length,
      repeats: (t.attrs.values as number[] | undefined) ?? null,
      spread: (t.attrs.spread as number | undefined) ?? null,
      diagnosis: (t.attrs.diagnosis as { pattern?: string } | undefined)?.pattern ?? null,
      why: t.attrs.why ?? null,
      // who ran it (host:pid) and when: null while it waits; finished null while it waits or runs
      owner: t.owner ?? null,
      started: t.state === 'waiting' ? null : t.started,
      finished: t.finished,
      error: t.error,
    })),
  };
}

/** What auto's ensemble step recorded (auto-ensemble.ts). */
interface EnsembleAttr {
  what: string;
  kept: boolean;
  dir: string | null;
  val: { ensemble: number; best: number };
  test: { scaled: { mse: number } };
}

export type StudyJson = ReturnType<typeof studyJson>;

/** The lines `study show` adds for auto's choice: the mean over seeds, and the ensemble and its verdict. */
export function autoLines(j: StudyJson): string[] {
  const out: string[] = [];
  const b = j.best as (StudyJson['best'] & { seed_mean?: number; seeds?: unknown[] }) | null;
  if (b?.seed_mean !== undefined)
    out.push(
      `best chosen by the mean over ${b.seeds!.length} seeds: ${b.seed_mean.toPrecision(6)} ` +
        `(#${b.number} is its best seed)`,
    );
  const e = j.ensemble;
  if (e)
    out.push(
      `ensemble of ${e.what}: validation ${e.val.ensemble.toPrecision(6)} vs ${e.val.best.toPrecision(6)} alone, ` +
        `${e.kept ? `kept (${e.dir})` : 'not kept'}; test MSE ${e.test.scaled.mse.toPrecision(6)}`,
    );
  return out;
}

/** The best trial in a line: `#12 0.01234 {"train.batch_size":32}`, or `none`. */
export function bestText(best: { number: number; value: number | null; params: unknown } | null): string {
  return best ? `#${best.number} ${best.value!.toPrecision(4)} ${JSON.stringify(best.params)}` : 'none';
}

/** One trial of `study show`: number, state, value (+- spread over repeats), epochs, diagnosis, parameters. */
export function trialLine(t: StudyJson['trials'][number]): string {
  // six significant digits: close trials (0.285894 vs 0.285915) must not look tied
  const value = t.value !== null ? t.value.toPrecision(6).padStart(12) : '           -';
  const spread = t.repeats && t.repeats.length > 1 ? ` +-${t.spread!.toPrecision(2)}` : '';
  const epochs = `${String(t.epochs).padStart(4)} ep`;
  const head = `#${String(t.number).padEnd(4)} ${t.state.padEnd(8)} ${value}${spread}`;
  return `${head}  ${epochs}  ${(t.diagnosis ?? '').padEnd(12)} ${JSON.stringify(t.params)}`;
}
