// A trial's page: train and validation curves marked with the diagnosis (pattern, evidence, advice), its config as
// a difference from the baseline's, why it was run, and its forecast picture; a running trial's curve grows live.

import { api, onLive, trialPath } from '../api.js';
import { lineChart } from '../chart.js';
import { h, num, section } from '../dom.js';
import { type Diagnosis, diagnosisBox, diagnosisMarks } from './diagnosis.js';

interface TrialDetail {
  study: string;
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  intermediate: (number | null)[];
  why: string | null;
  error: string | null;
  started: string;
  finished: string | null;
  owner: string | null;
  history: Record<string, (number | null)[]> | null;
  diagnosis: Diagnosis | null;
  files: string[];
  config_diff: string[];
}

function curves(t: TrialDetail): HTMLElement {
  const hist = t.history;
  const series = hist?.loss
    ? [{ label: 'loss', values: hist.loss }, ...(hist.val_loss ? [{ label: 'val_loss', values: hist.val_loss }] : [])]
    : [{ label: 'objective (per epoch)', values: t.intermediate }];
  return lineChart(series, { marks: diagnosisMarks(t.diagnosis) }).el;
}

export async function trialPage(root: HTMLElement, study: string, n: number): Promise<() => void> {
  const t = await api<TrialDetail>(trialPath(study, n));
  const chartBox = h('div', { id: 'trial-curves', 'data-epochs': String(t.intermediate.length) }, curves(t));
  const pictures = t.files.filter((f) => f === 'forecast.png' || f === 'loss.png');
  root.replaceChildren(
    h('p', {}, h('a', { href: `#/study/${encodeURIComponent(study)}` }, `← ${study}`)),
    h('h1', {}, `Trial #${t.number}`),
    h(
      'p',
      { class: 'muted' },
      `${t.state} · value ${num(t.value)} · ${t.intermediate.length} epochs${t.owner ? ` · ${t.owner}` : ''}`,
    ),
    t.why ? h('p', { class: 'why' }, `why: ${t.why}`) : '',
    t.error ? h('pre', { class: 'error' }, t.error) : '',
    section('Curves and diagnosis', chartBox, diagnosisBox(t.diagnosis)),
    section(
      'Config: difference from the baseline',
      t.config_diff.length
        ? h('ul', { class: 'diff' }, ...t.config_diff.map((d) => h('li', {}, h('code', {}, d))))
        : h('p', { class: 'muted' }, 'the baseline config itself'),
    ),
    section(
      'Forecast and loss pictures',
      ...(pictures.length
        ? pictures.map((f) => h('img', { src: `${trialPath(study, n)}/files/${f}`, alt: f, class: 'picture' }))
        : [h('p', { class: 'muted' }, 'no pictures yet (written when the trial ends)')]),
    ),
  );
  return onLive((e) => {
    if (!('number' in e) || e.study !== study || e.number !== n) return;
    if (e.type === 'epoch') {
      t.intermediate[e.step] = e.value;
      if (!t.history?.loss) chartBox.replaceChildren(curves(t));
      chartBox.dataset.epochs = String(t.intermediate.length);
    } else if (e.type === 'trial-finished') void trialPage(root, study, n);
  });
}
