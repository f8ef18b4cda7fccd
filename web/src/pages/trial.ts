// A trial's page: train and validation curves marked with the diagnosis (pattern, evidence, advice), its config as
// a difference from the baseline's, why it was run, and its forecast picture; a running trial's curve grows live.

import { api, onLive, type Pruned, prunedState, prunedText, trialPath } from '../api.js';
import { lineChart } from '../chart.js';
import { beating, h, num, replace, section, staleNote } from '../dom.js';
import {
  becameNonFinite,
  type Diagnosis,
  diagnosisBox,
  diagnosisMarks,
  type NonFinite,
  nonFiniteAt,
} from './diagnosis.js';

interface TrialDetail {
  study: string;
  number: number;
  state: string;
  value: number | null;
  params: Record<string, unknown>;
  intermediate: (number | null)[];
  why: string | null;
  /** Where and why the pruner stopped it (null: not pruned). */
  pruned?: Pruned | null;
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
  /** The run folder the trial names (null: none), and whether it is there to read. */
  run_dir?: string | null;
  run_dir_found?: boolean;
  config_diff: string[];
}

/** `1 epoch`, `4 epochs`. */
const epochs = (n: number) => `${n} epoch${n === 1 ? '' : 's'}`;

function seriesOf(t: TrialDetail): { label: string; values: (number | null)[] }[] {
  const hist = t.history;
  // a curve that is no list (a history.json written by hand or by another tool) is not drawn
  return Array.isArray(hist?.loss)
    ? [
        { label: 'loss', values: hist.loss },
        ...(Array.isArray(hist.val_loss) ? [{ label: 'val_loss', values: hist.val_loss }] : []),
      ]
    : [{ label: 'objective (per epoch)', values: t.intermediate }];
}

/**
 * A failed trial whose loss became non-finite: the epoch it did (from 1) and which curve, else null (a trial that
 * says it diverged with every stored value finite: its last epoch, the curve unknown).
 */
function divergedAt(t: TrialDetail): NonFinite | null {
  if (t.state !== 'failed') return null;
  const said = t.diagnosis?.pattern === 'diverged' || /diverged|non-finite|NaN|Infinity/.test(t.error ?? '');
  return said ? (nonFiniteAt(seriesOf(t)) ?? { epoch: t.intermediate.length, curves: [] }) : null;
}

function curves(t: TrialDetail): HTMLElement {
  const series = seriesOf(t);
  const at = divergedAt(t);
  const note = at !== null ? h('p', { class: 'error' }, `${becameNonFinite(at)} (diverged)`) : null;
  if (!series.some((s) => s.values.some((v) => v !== null && Number.isFinite(v))))
    return h('div', {}, note ?? h('p', { class: 'muted' }, t.state === 'running' ? 'no epoch yet' : 'no epoch stored'));
  return h('div', {}, lineChart(series, { marks: diagnosisMarks(t.diagnosis) }).el, note);
}

/** Where a failed trial's error is: above, or nowhere (a trial told failed through ask/tell without one). */
function errorWhere(t: TrialDetail): string {
  return t.error ? 'the error is above' : 'no error was recorded';
}

/** What stands in for the forecast and loss pictures of a trial without them, by its state. */
function noPictures(t: TrialDetail): string {
  const at = divergedAt(t);
  if (t.state === 'running' || t.state === 'waiting') return 'no pictures yet (written when the trial ends)';
  if (t.state === 'pruned')
    return `stopped early by the pruner after epoch ${t.intermediate.length}: no run folder is kept, so no pictures`;
  if (at !== null) return `${becameNonFinite(at)} (diverged): no model to picture`;
  if (t.state === 'failed') return `the trial failed (${errorWhere(t)}): no pictures`;
  // its folder deleted or moved since: the page said 'no pictures in its run folder', as if the folder were there
  if (t.run_dir && t.run_dir_found === false)
    return `its run folder ${t.run_dir} is not there (deleted or moved since): no pictures`;
  return 'no pictures in its run folder';
}

/** What stands in for the diagnosis of a trial without one, by its state. */
function noDiagnosis(t: TrialDetail): string {
  if (t.state === 'running' || t.state === 'waiting') return 'no diagnosis yet (a trial has one when it ends)';
  if (t.state === 'failed')
    return t.intermediate.length
      ? `no diagnosis: the trial failed (${errorWhere(t)})`
      : `no diagnosis: the trial failed before its first epoch (${errorWhere(t)})`;
  return 'no diagnosis stored';
}

export async function trialPage(root: HTMLElement, study: string, n: number): Promise<() => void> {
  const t = await api<TrialDetail>(trialPath(study, n));
  const chartBox = h('div', { id: 'trial-curves', 'data-epochs': String(t.intermediate.length) }, curves(t));
  const skew = Date.parse(t.now) - Date.now();
  const head = h('p', { class: 'muted', id: 'trial-head' });
  /** The state (and, running, whether its heartbeat stopped), value, epochs and owner. */
  const headLine = () => {
    const note = staleNote(t, t.stale_after_s, skew);
    replace(
      head,
      note ? h('span', { class: 'error' }, `${t.state}, ${note}`) : t.pruned ? prunedState(t.pruned) : t.state,
      ` · value ${num(t.value)} · ${epochs(t.intermediate.length)}${t.owner ? ` · ${t.owner}` : ''}`,
    );
    return note;
  };
  headLine();
  // a running trial's heartbeat ages: said again every few seconds, and read again while it looks stopped, before it
  // is said to have stopped (said from the heartbeat last read, a trial beating every 2 s read 'no heartbeat for 7 s'
  // until the read answered)
  const tick = window.setInterval(() => {
    if (!staleNote(t, t.stale_after_s, skew)) headLine();
    else
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
    // the pruner's words, as study show prints them: the page said 'pruned' and nothing of why
    t.pruned ? h('p', { class: 'why', id: 'pruned' }, prunedText(t.pruned)) : '',
    t.error ? h('pre', { class: 'error' }, t.error) : '',
    section(
      'Curves and diagnosis',
      chartBox,
      diagnosisBox(t.diagnosis, {
        missing: noDiagnosis(t),
        pruned: t.state === 'pruned' ? t.intermediate.length : undefined,
      }),
    ),
    section(
      'Config: difference from the baseline',
      t.config_diff.length
        ? h('ul', { class: 'diff' }, ...t.config_diff.map((d) => h('li', {}, h('code', {}, d))))
        : h('p', { class: 'muted' }, 'the baseline config itself'),
    ),
    section(
      'Forecast and loss pictures',
      ...(pictures.length
        ? pictures.map((f) =>
            h('img', { src: `${trialPath(study, n)}/files/${encodeURIComponent(f)}`, alt: f, class: 'picture' }),
          )
        : [h('p', { class: 'muted', id: 'no-pictures' }, noPictures(t))]),
    ),
  );
  const off = onLive((e) => {
    if (e.type === 'study-deleted' && e.study === study) {
      stop();
      head.replaceChildren(h('span', { class: 'error' }, `study "${study}" was deleted from the storage`));
    }
    const mine = 'number' in e && e.study === study && e.number === n;
    if (e.type !== 'resync' && !mine) return;
    if (e.type === 'epoch') {
      t.intermediate[e.step] = e.value;
      beating(t, e.at);
      if (!Array.isArray(t.history?.loss)) chartBox.replaceChildren(curves(t));
      chartBox.dataset.epochs = String(t.intermediate.length);
      headLine();
    } else if (
      e.type === 'trial-finished' ||
      e.type === 'trial-started' ||
      e.type === 'resync' ||
      // the page read the trial before the feed saw it, and the feed saw it first in another state: a waiting trial
      // claimed within one poll of its creation reached the page as trial-created running, never trial-started
      (e.type === 'trial-created' && e.state !== t.state)
    ) {
      stop();
      // the ended (or just claimed) trial's page, or one whose events were cut, drawn again; leaving it stops its
      // updates too
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
