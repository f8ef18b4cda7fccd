// What a study says while it runs: one line per finished trial (its result, why it ran, the study so far), and the
// best trial of a list (lowest objective among the completed).
import type { FrozenTrial } from '../storage/index.js';

export function bestOf(trials: readonly FrozenTrial[]): FrozenTrial | null {
  return trials
    .filter((t) => t.state === 'complete' && t.value !== null)
    .reduce<FrozenTrial | null>((a, t) => (!a || t.value! < a.value! ? t : a), null);
}

/** Trials named by number, as the lines about a study's trials name them: `trial #3`, `trials #0, #1`. */
export function trialsNamed(numbers: readonly number[]): string {
  return `${numbers.length > 1 ? 'trials' : 'trial'} ${numbers.map((n) => `#${n}`).join(', ')}`;
}

/** How long a finished trial ran, in seconds with one decimal. */
function secondsOf(t: FrozenTrial): string {
  return ((Date.parse(t.finished ?? t.started) - Date.parse(t.started)) / 1000).toFixed(1);
}

/** The line of finished trial `done` among `all`: result, parameters, seconds, why, trials done, best, minutes. */
export function trialReport(
  done: FrozenTrial,
  all: readonly FrozenTrial[],
  o: { objective: string; why: string; minutes: number },
): string {
  const best = bestOf(all);
  return (
    `trial ${done.number} ${done.state}` +
    `${done.value !== null ? ` ${o.objective} ${done.value.toPrecision(4)}` : ''} ` +
    `${JSON.stringify(done.params)} in ${secondsOf(done)} s` +
    `${done.error ? ` (${done.error})` : ''}${done.attrs.stopped ? ` (${done.attrs.stopped as string})` : ''}` +
    `${done.attrs.pruned ? ` (${done.attrs.pruned as string})` : ''}` +
    `${o.why ? `  -- ${o.why}` : ''}  | ` +
    `${all.filter((t) => t.state !== 'running' && t.state !== 'waiting').length} done, ` +
    `best ${best ? `#${best.number} ${best.value!.toPrecision(4)}` : '-'}, ${o.minutes.toFixed(1)} min`
  );
}

/** A parenthesised list of three or more items, such as the factors the joint search models. */
const LIST = /\(([^()]*, [^()]*, [^()]*)\)/;

/**
 * `why` with its parenthesised list said "as above" when the reason printed before it has the same list: the joint
 * search's reason names every factor it models (7 factors, 350 characters on the shampoo data), and its trials come
 * one after another, each line repeating the list.
 * For instance, sameListAsAbove('TPE over (a, b, c), 9 trials', 'TPE over (a, b, c), 8 trials') is
 * 'TPE over (as above), 9 trials'.
 */
export function sameListAsAbove(why: string, previous: string | undefined): string {
  const list = LIST.exec(why)?.[1];
  return list && previous && LIST.exec(previous)?.[1] === list ? why.replace(LIST, '(as above)') : why;
}

/**
 * A live line redrawn in place on a terminal `columns` wide: cut to one character less than the width, since a line
 * that wraps is not redrawn in place and each redraw would leave a line behind (tune's epoch line on a 40-column
 * terminal).
 */
export function liveLine(text: string, columns: number | undefined): string {
  return `\r\x1b[2K${text.slice(0, Math.max(1, (columns || 80) - 1))}`;
}
