// A trial's page: train and validation curves marked with the diagnosis (pattern, evidence, advice), its config as
// a difference from the baseline's, why it was run, and its forecast picture; a running trial's curve grows live.

import { api, onLive, trialPath } from '../api.js';
import { lineChart } from '../chart.js';
import { h, num, section, staleNote } from '../dom.js';
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
  heartbeat: string | null;
  stale_after_s: number;
  now: string;
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
  const skew = Date.parse(t.now) - Date.now();
  const head = h('p', { class: 'muted', id: 'trial-head' });
  /** The state (and, running, whether its heartbeat stopped), value, epochs and owner. */
  const headLine = () => {
    const note = staleNote(t, t.stale_after_s, skew);
    head.replaceChildren(
      note ? h('span', { class: 'error' }, `${t.state}, ${note}`) : t.state,
      ` · value ${num(t.value)} · ${t.intermediate.length} epochs${t.owner ? ` · ${t.owner}` : ''}`,
    );
    return note;
  };
  headLine();
  // a running trial's heartbeat ages: said again every few seconds, and read again while it looks stopped
  const tick = window.setInterval(() => {
    if (headLine())
      void api<TrialDetail>(trialPath(study, n))
        .then((x) => {
          t.heartbeat = x.heartbeat;
          t.state = x.state;
          headLine();
        })
        .catch(() => {});
  }, 5000);
  const pictures = t.files.filter((f) => f === 'forecast.png' || f === 'loss.png');
  root.replaceChildren(
    h('p', {}, h('a', { href: `#/study/${encodeURIComponent(study)}` }, `← ${study}`)),
    h('h1', {}, `Trial #${t.number}`),
    head,
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
  const off = onLive((e) => {
    if (e.type === 'study-deleted' && e.study === study) {
      stop();
      head.replaceChildren(h('span', { class: 'error' }, `study "${study}" was deleted from the storage`));
    }
    if (!('number' in e) || e.study !== study || e.number !== n) return;
    if (e.type === 'epoch') {
      t.intermediate[e.step] = e.value;
      if (!t.history?.loss) chartBox.replaceChildren(curves(t));
      chartBox.dataset.epochs = String(t.intermediate.length);
      headLine();
    } else if (e.type === 'trial-finished') {
      stop();
      // the ended trial's page, drawn again; leaving it stops that page's updates too
      void trialPage(root, study, n).then((l) => {
        next = l;
      });
    }
  });
  let next = () => {};
  const stop = () => {
    off();
    clearInterval(tick);
  };
  return () => {
    stop();
    next();
  };
}
