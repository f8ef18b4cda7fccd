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
  evidence?: { epochs?: number; window?: [number, number]; bestEpoch?: number; train?: Trend; val?: Trend };
  advice?: ({ text?: string; param?: string; action?: string } | string)[];
}

const trend = (label: string, t?: Trend) =>
  t
    ? h('li', {}, `${label}: ${t.direction ?? '?'} (slope ${num(t.slope ?? null, 3)}/epoch, p ${num(t.p ?? null, 2)})`)
    : null;

export function diagnosisBox(d: Diagnosis | null): HTMLElement {
  if (!d) return h('p', { class: 'muted' }, 'no diagnosis stored (a running trial has one when it ends)');
  const ev = d.evidence ?? {};
  const advice = (d.advice ?? []).map((a) => (typeof a === 'string' ? a : (a.text ?? `${a.action} ${a.param}`)));
  return h(
    'div',
    { class: 'diagnosis', id: 'diagnosis' },
    h(
      'p',
      {},
      h('strong', { class: 'pattern' }, d.name ?? d.pattern ?? '?'),
      d.confidence !== undefined ? ` (confidence ${num(d.confidence, 2)})` : '',
      d.runner_up ? `; could be ${d.runner_up.pattern}` : '',
    ),
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

/** The epoch the diagnosis' window starts at and the best epoch, as marks on a curve chart. */
export function diagnosisMarks(d: Diagnosis | null): { x: number; label: string }[] {
  const ev = d?.evidence;
  const marks: { x: number; label: string }[] = [];
  if (ev?.window && ev.window[0] > 1) marks.push({ x: ev.window[0], label: 'read from here' });
  if (ev?.bestEpoch) marks.push({ x: ev.bestEpoch, label: `best (${d?.pattern ?? ''})` });
  return marks;
}
