// A diagnosis (diagnosis.json, or the one a trial stored) as the trial and run pages show it: the pattern and its
// confidence, the summary, the evidence of each curve, and the advice.

import { h, num } from '../dom.js';

interface Trend {
  direction?: string;
  slope?: number;
  p?: number;
}
export interface Diagnosis {
  pattern?: string;
  name?: string;
  confidence?: number;
  runner_up?: { pattern: string; confidence: number } | null;
  summary?: string;
  evidence?: {
    epochs?: number;
    window?: [number, number];
    bestEpoch?: number;
    /** Epochs (from 1) whose validation loss was not finite in a run that went on finite: left out, not diverged. */
    notFinite?: number[];
    train?: Trend;
    val?: Trend;
  };
  advice?: ({ text?: string; param?: string; action?: string } | string)[];
}

const trend = (label: string, t?: Trend) =>
  t
    ? h('li', {}, `${label}: ${t.direction ?? '?'} (slope ${num(t.slope ?? null, 3)}/epoch, p ${num(t.p ?? null, 2)})`)
    : null;

/**
 * The diagnosis of a run or trial; `o.missing`: what to say when there is none (it depends on the trial's state);
 * `o.pruned`: the epoch a pruned trial was stopped at: its curve ends there because the pruner stopped it, so
 * advice to train longer is left out.
 */
export function diagnosisBox(d: Diagnosis | null, o: { missing?: string; pruned?: number } = {}): HTMLElement {
  if (!d) return h('p', { class: 'muted' }, o.missing ?? 'no diagnosis.json in this run folder');
  const ev = d.evidence ?? {};
  const longer = (a: Exclude<NonNullable<Diagnosis['advice']>[number], string>) =>
    a.param === 'train.epochs' && a.action === 'increase';
  // a diagnosis.json written by hand or by another tool: advice that is no list is none, another item its text
  const text = (a: NonNullable<Diagnosis['advice']>[number]) =>
    a !== null && typeof a === 'object' ? (a.text ?? `${a.action} ${a.param}`) : String(a);
  // an item that starts with "or" is the other way to the item before it, and goes with it
  const advice = (Array.isArray(d.advice) ? d.advice : [])
    .filter((a, i, all) => {
      if (o.pruned === undefined) return true;
      const before = all[i - 1];
      return !(
        (typeof a === 'object' && a !== null && longer(a)) ||
        (/^or /.test(text(a)) && typeof before === 'object' && before !== null && longer(before))
      );
    })
    .map(text);
  return h(
    'div',
    { class: 'diagnosis', id: 'diagnosis' },
    h(
      'p',
      {},
      h('strong', { class: 'pattern' }, d.name ?? d.pattern ?? '?'),
      d.confidence !== undefined ? ` (confidence ${num(d.confidence, 2)})` : '',
      // the runner-up only where the diagnosis itself hedges (below 0.8, as its text says "probably X; could be Y")
      d.runner_up && (d.confidence ?? 0) < 0.8 ? `; could be ${d.runner_up.pattern}` : '',
    ),
    o.pruned !== undefined
      ? h(
          'p',
          { class: 'pruned-note' },
          `read over the ${o.pruned} epochs it ran before the pruner stopped it (its curve was worse than ` +
            "the others' at that point): not a verdict on how it would have ended",
        )
      : null,
    d.summary ? h('p', {}, d.summary) : null,
    h(
      'ul',
      { class: 'evidence' },
      ev.window ? h('li', {}, `read over epochs ${ev.window[0]}–${ev.window[1]} of ${ev.epochs ?? '?'}`) : null,
      ev.bestEpoch ? h('li', {}, `best validation at epoch ${ev.bestEpoch}`) : null,
      trend('training loss', ev.train),
      trend('validation loss', ev.val),
    ),
    advice.length
      ? h('div', {}, h('h3', {}, 'Advice'), h('ul', { class: 'advice' }, ...advice.map((a) => h('li', {}, a))))
      : null,
  );
}

/** Where a curve first became non-finite: the epoch (from 1) and which curve(s) did at that epoch. */
export interface NonFinite {
  epoch: number;
  /** The curves' labels (loss, val_loss, or the objective's). */
  curves: string[];
}

/** The first epoch (from 1) of any of these curves whose value is missing or not finite, with the curves, or null. */
export function nonFiniteAt(
  series: readonly { label: string; values: readonly (number | null)[] }[],
): NonFinite | null {
  let at: NonFinite | null = null;
  for (const s of series) {
    const i = s.values.findIndex((v) => v === null || v === undefined || !Number.isFinite(v));
    if (i < 0 || (at !== null && i + 1 > at.epoch)) continue;
    if (at?.epoch === i + 1) at.curves.push(s.label);
    else at = { epoch: i + 1, curves: [s.label] };
  }
  return at;
}

/** The curves' labels as words. */
const CURVE_NAMES: Record<string, string> = { loss: 'training loss', val_loss: 'validation loss' };

/**
 * Which loss became non-finite, as the diagnosis' summary says it (src/diagnose/early.ts): "the validation loss
 * became non-finite at epoch 30". "the loss" did not say which; a trial without a history has only its objective.
 */
export function becameNonFinite(at: NonFinite): string {
  const names = at.curves.map((c) => CURVE_NAMES[c] ?? c.replace(/ \(per epoch\)$/, ''));
  const which = !names.length
    ? 'loss'
    : names.join() === 'training loss,validation loss'
      ? 'training and validation losses'
      : names.join(' and ');
  return `the ${which} became non-finite at epoch ${at.epoch}`;
}

/** The epoch the diagnosis' window starts at and the best epoch, as marks on a curve chart. */
export function diagnosisMarks(d: Diagnosis | null): { x: number; label: string }[] {
  const ev = d?.evidence;
  const marks: { x: number; label: string }[] = [];
  if (ev?.window && ev.window[0] > 1) marks.push({ x: ev.window[0], label: 'read from here' });
  if (ev?.bestEpoch) marks.push({ x: ev.bestEpoch, label: `best (${d?.pattern ?? ''})` });
  return marks;
}
