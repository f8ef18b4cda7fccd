// The run folders under --runs: a list with each run's diagnosis and test error next to its best baseline, and a
// run's page with its curves, forecast picture, diagnosis and test metrics beside the baselines'.

import { api, health, runPath } from '../api.js';
import { lineChart } from '../chart.js';
import { agoText, h, num, replace, scrollBox, section } from '../dom.js';
import { becameNonFinite, type Diagnosis, diagnosisBox, diagnosisMarks, nonFiniteAt } from './diagnosis.js';

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
  ensemble?: {
    method: string | null;
    kept: string | null;
    /** run: the member's folder is a run folder with a page of its own (the linear baseline's holds only model/). */
    members: { dir: string; trial: number | null; run?: boolean }[];
  } | null;
}

const testScores = (m: Metrics | null): Scores | null =>
  ((m?.test as { scaled?: Scores } | undefined)?.scaled ?? null) as Scores | null;

/**
 * The lowest test MSE among the baselines. An ensemble's scores also hold each member's (member-1, ...): a member is
 * part of the model, not a baseline (the list read "best baseline 0.02136 (member-1)" for auto's ensemble).
 */
function bestBaseline(s: Scores, members: readonly string[] = []): [string, number] | null {
  const b = Object.entries(s)
    .filter(([k, v]) => k !== 'model' && !members.includes(k) && Number.isFinite(v.mse))
    .sort((a, b) => a[1].mse! - b[1].mse!)[0];
  return b ? [b[0], b[1].mse!] : null;
}

/** How often the Runs page looks for new or changed run folders (they are files, not storage events). */
const RUNS_POLL_MS = 3000;
/**
 * Runs a page of the list shows. The whole list of the demo's 2,257 trial folders was 16 MB of JSON each poll; at
 * ~1.7 KB a run (its scores and the diagnosis's pattern), a page of 50 is 88 KB.
 */
const PAGE_SIZE = 50;

/** A run as the list has it: no history, and of its diagnosis the pattern alone (the run's page has the rest). */
type ListedRun = Omit<Run, 'history' | 'diagnosis'> & { diagnosis: Pick<Diagnosis, 'pattern'> | null };

/** GET /api/runs?limit=&offset=&order=&q=: one page of the run folders and how many match. */
interface RunsPage {
  total: number;
  offset: number;
  next_offset: number | null;
  runs: ListedRun[];
}

/** Which page of the list is shown, kept in the address (#/runs?order=newest&offset=100): back from a run, it is. */
interface View {
  q: string;
  order: 'id' | 'newest';
  offset: number;
}

function viewOf(params: URLSearchParams): View {
  const offset = Number(params.get('offset'));
  return {
    q: params.get('q') ?? '',
    order: params.get('order') === 'newest' ? 'newest' : 'id',
    offset: Number.isSafeInteger(offset) && offset > 0 ? offset - (offset % PAGE_SIZE) : 0,
  };
}

function addressOf(v: View): string {
  const p = new URLSearchParams();
  if (v.q) p.set('q', v.q);
  if (v.order !== 'id') p.set('order', v.order);
  if (v.offset) p.set('offset', String(v.offset));
  const query = p.toString();
  return query ? `#/runs?${query}` : '#/runs';
}

/** The list's address as last shown: a run page's link back to the list opens that page of it. */
let listAddress = '#/runs';

const lastOffset = (total: number) => Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);

function runRow(r: ListedRun): HTMLElement {
  const s = testScores(r.metrics);
  // an ensemble's members are part of it, not baselines
  const members = r.ensemble?.members.map((m) => m.dir);
  const base = s ? bestBaseline(s, members) : null;
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

/**
 * The list of run folders a page at a time, by name or newest first, filtered by a run's id on the server; the page
 * shown is looked at again every few seconds (as TensorBoard reloads its logdir).
 */
export async function runsPage(root: HTMLElement, params: URLSearchParams): Promise<() => void> {
  const { runs: folder } = await health();
  if (!folder) {
    root.replaceChildren(
      h('h1', {}, 'Runs'),
      h('p', { class: 'muted' }, 'no folder of runs: start the dashboard with --runs DIR'),
    );
    return () => {};
  }
  const view = viewOf(params);
  listAddress = addressOf(view);
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'list', id: 'runs' },
    h(
      'thead',
      {},
      h('tr', {}, ...['run', 'diagnosis', 'test MSE', 'best baseline MSE', 'written'].map((t) => h('th', {}, t))),
    ),
    body,
  );
  const empty = h('p', { class: 'muted', id: 'runs-empty' });
  const count = h('span', { class: 'muted', id: 'runs-count' });
  const go = (offset: () => number) => () => {
    view.offset = offset();
    show('push');
  };
  let total = 0;
  const button = (label: string, name: string, offset: () => number) =>
    h('button', { type: 'button', 'aria-label': name, title: name, onclick: go(offset) }, label);
  const first = button('«', 'first page', () => 0);
  const previous = button('‹', 'previous page', () => Math.max(0, view.offset - PAGE_SIZE));
  const next = button('›', 'next page', () => view.offset + PAGE_SIZE);
  const last = button('»', 'last page', () => lastOffset(total));
  const filter = h('input', { type: 'search', placeholder: 'filter: run id contains', 'aria-label': 'filter runs' });
  filter.value = view.q;
  const order = h(
    'select',
    { 'aria-label': 'order' },
    h('option', { value: 'id' }, 'by name'),
    h('option', { value: 'newest' }, 'newest first'),
  );
  order.value = view.order;
  root.replaceChildren(
    h('h1', {}, 'Runs'),
    h('div', { class: 'filters' }, filter, order, h('span', { class: 'pager' }, first, previous, count, next, last)),
    scrollBox(table),
    empty,
  );

  let shown = '';
  const load = async () => {
    const want = addressOf(view);
    const q = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(view.offset), order: view.order });
    if (view.q) q.set('q', view.q);
    const page = await api<RunsPage>(`/api/runs?${q}`);
    if (addressOf(view) !== want) return; // the page was changed meanwhile: its own load shows it
    total = page.total;
    if (page.offset > 0 && page.offset >= page.total) {
      // past the end (runs removed, or an address kept from a longer list): the last page
      view.offset = lastOffset(page.total);
      show('replace');
      return;
    }
    const key = JSON.stringify([page.total, page.offset, page.runs.map((r) => [r.id, r.modified, r.files])]);
    if (key === shown) return;
    shown = key;
    body.replaceChildren(...page.runs.map(runRow));
    table.hidden = !page.runs.length;
    replace(
      empty,
      page.runs.length
        ? ''
        : view.q
          ? `no run id contains "${view.q}"`
          : `no run folders in ${folder} yet: they appear here as they are written`,
    );
    count.textContent = page.runs.length
      ? `${page.offset + 1}–${page.offset + page.runs.length} of ${page.total}`
      : '0 of 0';
    first.disabled = previous.disabled = page.offset === 0;
    next.disabled = last.disabled = page.next_offset === null;
    table.dataset.total = String(page.total);
    table.dataset.offset = String(page.offset);
  };
  /** Whether the history's entry is a filter being typed (replaced as it grows). */
  let filterEntry = false;
  /**
   * Shows the view's page now and keeps it in the address. A page or an order chosen is a new history entry ('push'):
   * Back returns to the page before, as in any paged list (each was one address the list replaced, and Back left the
   * list). A filter being typed is one entry, replaced as it grows ('typing'); a page past the end, replaced.
   */
  const show = (how: 'push' | 'typing' | 'replace') => {
    listAddress = addressOf(view);
    if (listAddress !== location.hash) {
      if (how === 'replace' || (how === 'typing' && filterEntry)) history.replaceState(null, '', listAddress);
      else history.pushState(null, '', listAddress);
    }
    filterEntry = how === 'typing';
    void load().catch((e: Error) => {
      replace(empty, e.message);
    });
  };
  let typing = 0;
  filter.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => {
      view.q = filter.value.trim();
      view.offset = 0;
      show('typing');
    }, 250);
  });
  order.addEventListener('change', () => {
    view.order = order.value === 'newest' ? 'newest' : 'id';
    view.offset = 0;
    show('push');
  });
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
  return () => {
    window.clearInterval(timer);
    window.clearTimeout(typing);
  };
}

/** One table of scores: the model's row first (as metrics.json lists it) and the baselines below. */
function scoresTable(s: Scores, key: string, caption: string): HTMLElement {
  const names = Object.keys(Object.values(s)[0] ?? {});
  const rows = Object.entries(s).map(([who, v]) =>
    h(
      'tr',
      { class: who === 'model' ? 'model' : '' },
      h('td', {}, who),
      ...names.map((k) => h('td', {}, num(v[k] ?? null, 4))),
    ),
  );
  return scrollBox(
    h(
      'table',
      { class: 'list metrics', 'data-split': key },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', {}, ''), ...names.map((k) => h('th', {}, k)))),
      h('tbody', {}, ...rows),
    ),
  );
}

/**
 * Test metrics (scaled and original units), and with several targets each target's own (in its units, as
 * metrics.json's by_target has them; `seqtune train` prints them, and the page showed only the scores of all targets
 * together, where a target of large units outweighs the rest).
 */
function metricsTable(m: Metrics | null): HTMLElement {
  const blocks: HTMLElement[] = [];
  for (const split of ['test', 'val']) {
    const sp = m?.[split] as { scaled?: Scores; original?: Scores; by_target?: Record<string, Scores> } | undefined;
    for (const unitName of ['scaled', 'original'] as const) {
      const s = sp?.[unitName];
      if (s) blocks.push(scoresTable(s, `${split}-${unitName}`, `${split} (${unitName})`));
    }
    for (const [target, s] of Object.entries(sp?.by_target ?? {}))
      if (s && typeof s === 'object') blocks.push(scoresTable(s, `${split}-target-${target}`, `${split}: ${target}`));
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
    m.run === false ? m.dir : h('a', { href: `#/run/${encodeURIComponent(`${r.id}/${m.dir}`)}` }, m.dir),
    m.trial !== null ? ` (trial #${m.trial})` : m.run === false ? ' (the linear baseline)' : '',
  ]);
  return h(
    'p',
    { id: 'ensemble' },
    `an ensemble (${e.method ?? '?'}, ${e.kept === 'best member' ? 'its best member kept' : 'the fusion kept'}) of `,
    ...members,
  );
}

/**
 * The run's losses, and where a loss became non-finite (a diverged run) the epoch it did. A validation loss that was
 * not finite at some epochs and finite again after them is no divergence: the diagnosis reads the run without them
 * (evidence.notFinite), and the note says so rather than "became non-finite" in red beside "still learning".
 */
function runCurves(series: { label: string; values: (number | null)[] }[], d: Diagnosis | null): HTMLElement {
  const skipped = d && d.pattern !== 'diverged' ? (d.evidence?.notFinite ?? []) : [];
  const at = skipped.length ? null : nonFiniteAt(series);
  const note =
    at !== null
      ? h('p', { class: 'error' }, becameNonFinite(at))
      : skipped.length
        ? h(
            'p',
            { class: 'muted', id: 'not-finite' },
            `the validation loss was not finite at epoch${skipped.length > 1 ? 's' : ''} ${skipped.join(', ')} ` +
              'and finite after: the diagnosis leaves those epochs out',
          )
        : null;
  if (!series.some((s) => s.values.some((v) => v !== null && Number.isFinite(v))))
    return h('div', {}, note ?? h('p', { class: 'muted' }, 'no epoch in history.json'));
  return h('div', {}, lineChart(series, { marks: diagnosisMarks(d) }).el, note);
}

export async function runPage(root: HTMLElement, id: string): Promise<() => void> {
  const r = await api<Run>(runPath(id));
  const hist = r.history;
  const series = hist
    ? Object.entries(hist)
        // a curve that is no list (a history.json written by hand or by another tool) is not drawn
        .filter(([k, v]) => (k === 'loss' || k === 'val_loss') && Array.isArray(v))
        .map(([label, values]) => ({ label, values }))
    : [];
  const pictures = r.files.filter((f) => f.endsWith('.png') && (f.startsWith('forecast') || f.startsWith('loss')));
  root.replaceChildren(
    h('p', {}, h('a', { href: listAddress, id: 'back' }, '← runs')),
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
        ? pictures.map((f) =>
            h('img', { src: `${runPath(id)}/files/${encodeURIComponent(f)}`, alt: f, class: 'picture' }),
          )
        : [h('p', { class: 'muted' }, 'no forecast picture in this run folder')]),
    ),
  );
  return () => {};
}
