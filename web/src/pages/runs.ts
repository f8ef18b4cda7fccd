// The run folders under --runs: a list with each run's diagnosis and test error next to its best baseline, and a
// run's page with its curves, forecast picture, diagnosis and test metrics beside the baselines'.

import { api, runPath } from '../api.js';
import { lineChart } from '../chart.js';
import { agoText, h, num, section } from '../dom.js';
import { type Diagnosis, diagnosisBox, diagnosisMarks, nonFiniteAt } from './diagnosis.js';

type Scores = Record<string, Record<string, number>>;
interface Metrics {
  [split: string]: { scaled?: Scores; original?: Scores } | unknown;
}
interface Run {
  id: string;
  path: string;
  modified: string;
  files: string[];
  metrics: Metrics | null;
  history?: Record<string, (number | null)[]> | null;
  diagnosis: Diagnosis | null;
  /** An ensemble folder's: how its members are used and which trials they are. */
  ensemble?: { method: string | null; kept: string | null; members: { dir: string; trial: number | null }[] } | null;
}

const testScores = (m: Metrics | null): Scores | null =>
  ((m?.test as { scaled?: Scores } | undefined)?.scaled ?? null) as Scores | null;

function bestBaseline(s: Scores): [string, number] | null {
  const b = Object.entries(s)
    .filter(([k, v]) => k !== 'model' && Number.isFinite(v.mse))
    .sort((a, b) => a[1].mse! - b[1].mse!)[0];
  return b ? [b[0], b[1].mse!] : null;
}

/** How often the Runs page looks for new or changed run folders (they are files, not storage events). */
const RUNS_POLL_MS = 3000;

function runRow(r: Run): HTMLElement {
  const s = testScores(r.metrics);
  const base = s ? bestBaseline(s) : null;
  return h(
    'tr',
    { 'data-run': r.id },
    h('td', {}, h('a', { href: `#/run/${encodeURIComponent(r.id)}` }, r.id)),
    h('td', {}, r.diagnosis?.pattern ?? '–'),
    h('td', {}, num(s?.model?.mse ?? null, 4)),
    h('td', {}, base ? `${num(base[1], 4)} (${base[0]})` : '–'),
    h('td', {}, agoText(r.modified)),
  );
}

/** The list of run folders, looked at again every few seconds (as TensorBoard reloads its logdir). */
export async function runsPage(root: HTMLElement): Promise<() => void> {
  const { runs: folder } = await api<{ runs: string | null }>('/api/health');
  if (!folder) {
    root.replaceChildren(
      h('h1', {}, 'Runs'),
      h('p', { class: 'muted' }, 'no folder of runs: start the dashboard with --runs DIR'),
    );
    return () => {};
  }
  let shown = '';
  const load = async () => {
    const runs = await api<Run[]>('/api/runs');
    const key = JSON.stringify(runs.map((r) => [r.id, r.modified, r.files]));
    if (key === shown) return;
    shown = key;
    root.replaceChildren(
      h('h1', {}, 'Runs'),
      runs.length
        ? h(
            'table',
            { class: 'list', id: 'runs' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ...['run', 'diagnosis', 'test MSE', 'best baseline MSE', 'written'].map((t) => h('th', {}, t)),
              ),
            ),
            h('tbody', {}, ...runs.map(runRow)),
          )
        : h('p', { class: 'muted' }, `no run folders in ${folder} yet: they appear here as they are written`),
    );
  };
  await load();
  let busy = false;
  const timer = window.setInterval(() => {
    if (busy) return;
    busy = true;
    load()
      .catch(() => {}) // a failed look (the server restarting) is tried again at the next tick
      .finally(() => {
        busy = false;
      });
  }, RUNS_POLL_MS);
  return () => window.clearInterval(timer);
}

/** Test metrics (scaled and original units) with the model's row first and the baselines below. */
function metricsTable(m: Metrics | null): HTMLElement {
  const blocks: HTMLElement[] = [];
  for (const split of ['test', 'val']) {
    const sp = m?.[split] as { scaled?: Scores; original?: Scores } | undefined;
    for (const unitName of ['scaled', 'original'] as const) {
      const s = sp?.[unitName];
      if (!s) continue;
      const names = Object.keys(Object.values(s)[0] ?? {});
      const rows = Object.entries(s).map(([who, v]) =>
        h(
          'tr',
          { class: who === 'model' ? 'model' : '' },
          h('td', {}, who),
          ...names.map((k) => h('td', {}, num(v[k] ?? null, 4))),
        ),
      );
      blocks.push(
        h(
          'table',
          { class: 'list metrics', 'data-split': `${split}-${unitName}` },
          h('caption', {}, `${split} (${unitName})`),
          h('thead', {}, h('tr', {}, h('th', {}, ''), ...names.map((k) => h('th', {}, k)))),
          h('tbody', {}, ...rows),
        ),
      );
    }
  }
  return blocks.length
    ? h('div', { class: 'metrics-grid', id: 'metrics' }, ...blocks)
    : h('p', { class: 'muted' }, 'no metrics.json');
}

/** An ensemble folder's members (each a run folder of its own) and how they are used. */
function ensembleLine(r: Run): HTMLElement {
  const e = r.ensemble!;
  const members = e.members.flatMap((m, i) => [
    i ? ', ' : '',
    h('a', { href: `#/run/${encodeURIComponent(`${r.id}/${m.dir}`)}` }, m.dir),
    m.trial !== null ? ` (trial #${m.trial})` : '',
  ]);
  return h(
    'p',
    { id: 'ensemble' },
    `an ensemble (${e.method ?? '?'}, ${e.kept === 'best member' ? 'its best member kept' : 'the fusion kept'}) of `,
    ...members,
  );
}

/** The run's losses, and where a loss became non-finite (a diverged run) the epoch it did. */
function runCurves(series: { label: string; values: (number | null)[] }[], d: Diagnosis | null): HTMLElement {
  const at = nonFiniteAt(series.map((s) => s.values));
  const note = at !== null ? h('p', { class: 'error' }, `the loss became non-finite at epoch ${at}`) : null;
  if (!series.some((s) => s.values.some((v) => v !== null && Number.isFinite(v))))
    return h('div', {}, note ?? h('p', { class: 'muted' }, 'no epoch in history.json'));
  return h('div', {}, lineChart(series, { marks: diagnosisMarks(d) }).el, note);
}

export async function runPage(root: HTMLElement, id: string): Promise<() => void> {
  const r = await api<Run>(runPath(id));
  const hist = r.history;
  const series = hist
    ? Object.entries(hist)
        .filter(([k]) => k === 'loss' || k === 'val_loss')
        .map(([label, values]) => ({ label, values }))
    : [];
  const pictures = r.files.filter((f) => f.endsWith('.png') && (f.startsWith('forecast') || f.startsWith('loss')));
  root.replaceChildren(
    h('p', {}, h('a', { href: '#/runs' }, '← runs')),
    h('h1', {}, r.id),
    h('p', { class: 'muted' }, r.path),
    ...(r.ensemble ? [ensembleLine(r)] : []),
    section('Test metrics next to the baselines', metricsTable(r.metrics)),
    section(
      'Curves and diagnosis',
      series.length
        ? runCurves(series, r.diagnosis)
        : h(
            'p',
            { class: 'muted' },
            r.ensemble ? 'an ensemble trains no curve of its own: see its members' : 'no history.json',
          ),
      r.ensemble && !r.diagnosis ? null : diagnosisBox(r.diagnosis),
    ),
    section(
      'Forecast',
      ...(pictures.length
        ? pictures.map((f) => h('img', { src: `${runPath(id)}/files/${f}`, alt: f, class: 'picture' }))
        : [h('p', { class: 'muted' }, 'no forecast picture in this run folder')]),
    ),
  );
  return () => {};
}
