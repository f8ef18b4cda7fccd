// A study's page: its best trial, the optimization history, every trial's curve (running ones growing as epochs
// arrive), the trials table, parallel coordinates, slices, factor importance, and for auto and OFAT the path of
// decisions. Live events append epochs at once, and (at most once a second) read again the trials that started or
// ended: the study's own fields and those trials alone, merged into what the page read whole when it opened or its
// live stream connected again.

import {
  api,
  type CurveTrial,
  curves,
  health,
  mergeTrials,
  onLive,
  prunedState,
  prunedText,
  type Study,
  studyPath,
  type TrialRow,
  trialsQuery,
} from '../api.js';
import { lineChart } from '../chart.js';
import { CurvesChart } from '../curves.js';
import { beating, digitsToTell, h, num, section, staleNote, throttle, timeLeft } from '../dom.js';
import { importanceBars, parallelCoordinates, paramNames, slicePlots } from '../plots.js';
import { type Column, VirtualTable } from '../table.js';

/**
 * Each completed trial's value, the lowest so far, and the trial the study chose as its best: auto chooses by the
 * steady value of a curve or the mean over seeds, so its best need not be the lowest value.
 */
function historyChart(s: Study): HTMLElement {
  const ts = [...s.trials].sort((a, b) => a.number - b.number);
  let best = Infinity;
  const bestSoFar = ts.map((t) => {
    if (t.state === 'complete' && t.value !== null) best = Math.min(best, t.value);
    return Number.isFinite(best) ? best : null;
  });
  const chosen = s.best;
  return lineChart(
    [
      { label: 'value', values: ts.map((t) => (t.state === 'complete' ? t.value : null)), points: true },
      { label: 'lowest so far', values: bestSoFar, color: '#dc2626' },
      ...(chosen
        ? [
            {
              label: `chosen best (#${chosen.number})`,
              values: ts.map((t) => (t.number === chosen.number ? chosen.value : null)),
              points: true,
              color: '#16a34a',
            },
          ]
        : []),
    ],
    { x: ts.map((t) => t.number), xLabel: 'trial' },
  ).el;
}

/**
 * Its trials and why its last run ended, as `study show` says them (`300 trials, trial budget spent`; trials enqueued
 * since: `at 300 trials`): the page said `300 trials` alone, and a study that had ended looked like one still running.
 */
function headText(s: Study): string {
  const trials = (k: number) => `${k} trial${k === 1 ? '' : 's'}`;
  const all = `${trials(s.trials.length)}${statesText(s.trials)}`;
  const fin = s.finished;
  if (!fin) return all;
  const since = fin.trials !== s.trials.length ? ` at ${trials(fin.trials)}` : '';
  return `${all}, ${fin.reason}${since}`;
}

/**
 * Its trials that are not complete, counted by state, as study show says them (cli/commands/study-report.ts
 * statesText, in storage's TRIAL_STATES order): ` (5 pruned)`, ` (1 running, 2 failed)`; '' when all are complete.
 * The head said `10 trials` of a study whose 5 pruned trials study show counted.
 */
function statesText(trials: readonly TrialRow[]): string {
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const others = ['waiting', 'running', 'pruned', 'failed'].filter((st) => count(st) > 0);
  return others.length ? ` (${others.map((st) => `${count(st)} ${st}`).join(', ')})` : '';
}

/**
 * The study's result as `study show` prints it (cli/commands/study-report.ts autoLines): the best trial and its run
 * folder, how auto chose it (the steady value of its curve, the mean over seeds), and the ensemble and its verdict.
 */
function resultBox(s: Study, runs: string | null): HTMLElement {
  const b = s.best;
  if (!b) return h('div', { id: 'result' }, h('p', { class: 'muted' }, 'no completed trial yet'));
  const folder = (dir: string) => {
    const id = runs && dir.startsWith(`${runs}/`) ? dir.slice(runs.length + 1) : null;
    return id ? h('a', { href: `#/run/${encodeURIComponent(id)}` }, h('code', {}, dir)) : h('code', {}, dir);
  };
  const lines: HTMLElement[] = [
    h('p', {}, h('strong', {}, `best #${b.number}: ${num(b.value)}`), ' ', h('code', {}, JSON.stringify(b.params))),
  ];
  if (b.seed_mean !== undefined)
    lines.push(
      h(
        'p',
        {},
        `chosen by the mean over ${b.seeds?.length ?? '?'} seeds: ${num(b.seed_mean)} (#${b.number} is its best seed)`,
      ),
    );
  if (b.steady !== undefined)
    lines.push(
      h(
        'p',
        {},
        `chosen by the steady value of its curve: ${num(b.steady)}` +
          (b.dip
            ? ` (#${b.dip.trial}'s lower value${b.dip.value !== undefined ? ` ${num(b.dip.value)}` : ''} is a dip ` +
              'below its neighbouring epochs)'
            : ''),
      ),
    );
  const e = s.ensemble;
  if (e) {
    const steady = e.val.cross_fitted !== undefined ? ' (steady values)' : '';
    lines.push(
      h(
        'p',
        { class: 'ensemble' },
        h('strong', {}, e.kept ? 'result: an ensemble' : 'ensemble tried, not kept'),
        ` of ${e.what}: validation${steady} ${num(e.val.ensemble)} vs ${num(e.val.best)} ` +
          `${e.val.against ? `for ${e.val.against}` : 'alone'}; test MSE ${num(e.test.scaled.mse)}`,
      ),
    );
  }
  if (e?.kept && e.dir) lines.push(h('p', {}, 'the ensemble: ', folder(e.dir)));
  if (b.run_dir) lines.push(h('p', {}, `run folder of #${b.number}: `, folder(b.run_dir)));
  return h('div', { id: 'result' }, ...lines);
}

/**
 * The table's columns; `digits`: the significant digits that tell the study's values apart (digitsToTell); `stale`:
 * what to say of a running trial whose process may be dead (shown in its state and diagnosis cells).
 */
function columns(s: Study, digits: () => number, stale: (t: TrialRow) => string | null): Column<TrialRow>[] {
  const cols: Column<TrialRow>[] = [
    { label: '#', text: (t) => String(t.number), sort: (t) => t.number, width: 56 },
    {
      label: 'state',
      // a pruned trial's epoch and the pruner's words, as study show says them: the row read 'pruned' alone
      text: (t) => (stale(t) ? `${t.state} ⚠` : t.pruned ? prunedState(t.pruned) : t.state),
      title: (t) => (stale(t) ? `${t.state}, ${stale(t)}` : t.pruned ? prunedText(t.pruned) : t.state),
      sort: (t) => t.state,
      width: 130,
    },
    {
      label: 'value',
      text: (t) => num(t.value, digits()),
      title: (t) => (t.value === null ? '' : String(t.value)),
      sort: (t) => t.value,
      width: 100,
    },
    { label: 'epochs', text: (t) => String(t.epochs), sort: (t) => t.epochs, width: 76 },
    { label: 'diagnosis', text: (t) => t.diagnosis ?? stale(t) ?? '', width: 120 },
    { label: 'why', text: (t) => t.why ?? '', width: 220 },
  ];
  for (const p of paramNames(s.trials))
    cols.push({
      label: p,
      width: 130,
      text: (t) => (t.params[p] === undefined ? '' : JSON.stringify(t.params[p])),
      sort: (t) => (typeof t.params[p] === 'number' ? (t.params[p] as number) : JSON.stringify(t.params[p] ?? null)),
    });
  return cols;
}

/** The filter row above the table: a state and free text matched against diagnosis, why and parameters. */
function filters(table: VirtualTable<TrialRow>): HTMLElement {
  const state = h(
    'select',
    { 'aria-label': 'state' },
    ...['any state', 'complete', 'running', 'pruned', 'failed', 'waiting'].map((s) => h('option', {}, s)),
  );
  const text = h('input', {
    type: 'search',
    placeholder: 'filter: diagnosis, why, parameter=value',
    'aria-label': 'filter',
  });
  const apply = () => {
    const st = state.value,
      q = text.value.trim().toLowerCase();
    table.setFilter(
      (t) =>
        (st === 'any state' || t.state === st) &&
        (!q ||
          `${t.diagnosis ?? ''} ${t.why ?? ''} ${t.pruned ? prunedText(t.pruned) : ''} ${Object.entries(t.params)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(' ')}`
            .toLowerCase()
            .includes(q)),
    );
  };
  state.addEventListener('change', apply);
  text.addEventListener('input', apply);
  return h('div', { class: 'filters' }, state, text);
}

/**
 * For auto and OFAT: the trials in the order they ran, each with why, what it changed and what it scored, with the
 * digits that tell the values apart (a new best 0.326062 after 0.326075 read 0.3261 twice).
 */
function decisionPath(s: Study): HTMLElement {
  const digits = digitsToTell(s.trials.map((t) => t.value));
  let best = Infinity;
  const items = [...s.trials]
    .sort((a, b) => a.number - b.number)
    .map((t) => {
      const better = t.state === 'complete' && t.value !== null && t.value < best;
      if (better) best = t.value!;
      const change = Object.keys(t.params).length ? JSON.stringify(t.params) : 'baseline';
      return h(
        'li',
        { class: better ? 'better' : '' },
        h('a', { href: `#/study/${encodeURIComponent(s.name)}/trial/${t.number}` }, `#${t.number}`),
        ` ${t.why ?? (Object.keys(t.params).length ? 'sweep' : 'baseline')}: `,
        h('code', {}, change),
        ` → ${t.state} ${num(t.value, digits)}`,
        t.diagnosis ? h('span', { class: 'tag' }, t.diagnosis) : null,
        better ? h('span', { class: 'tag good' }, 'new best') : null,
      );
    });
  return h('ol', { class: 'path' }, ...items);
}

export async function studyPage(root: HTMLElement, name: string): Promise<() => void> {
  let [s, data, runs] = await Promise.all([
    api<Study>(studyPath(name)),
    curves(name),
    health().then((x) => x.runs_path),
  ]);
  const chart = new CurvesChart(data, () => s.best?.number ?? null);
  let digits = digitsToTell(s.trials.map((t) => t.value));
  // a running trial whose heartbeat stopped: its process may be dead (the curves' answer has the heartbeats)
  let skew = 0;
  let beats = new Map<number, CurveTrial>();
  const known = () => {
    skew = Date.parse(data.now) - Date.now();
    beats = new Map(data.trials.map((t) => [t.number, t]));
  };
  known();
  const stale = (t: TrialRow) => {
    const c = beats.get(t.number);
    return c ? staleNote({ ...c, state: t.state }, c.stale_after_s, skew) : null;
  };
  const table = new VirtualTable<TrialRow>(
    columns(s, () => digits, stale),
    (t) => `#/study/${encodeURIComponent(name)}/trial/${t.number}`,
    (t) => String(t.number),
  );
  table.el.id = 'trials';
  // the parameter columns of the trials shown: a study opened empty gains them when its first trials arrive
  let params = paramNames(s.trials).join('\n');
  const parts = {
    head: h('div'),
    stale: h('div', { id: 'stale' }),
    history: h('div'),
    analysis: h('div'),
  };
  const render = () => {
    parts.head.replaceChildren(
      h('h1', {}, s.name),
      h(
        'p',
        { class: 'muted', id: 'study-head' },
        [s.strategy ?? 'strategy ?', headText(s), timeLeft(s.time_left_s)].filter(Boolean).join(' · '),
      ),
      resultBox(s, runs),
    );
    const now = paramNames(s.trials).join('\n');
    if (now !== params) {
      params = now;
      table.setColumns(columns(s, () => digits, stale));
    }
    digits = digitsToTell(s.trials.map((t) => t.value));
    table.setRows(s.trials);
    staleLines();
    // the charts of every trial: drawn just after the page has shown the curves and the table
    const shown = s;
    setTimeout(() => {
      parts.history.replaceChildren(historyChart(shown));
      parts.analysis.replaceChildren(
        ...(shown.strategy === 'auto' || shown.strategy === 'ofat'
          ? [section('Path of decisions', decisionPath(shown))]
          : []),
        section('Parallel coordinates', parallelCoordinates(shown.trials)),
        section('Slices', slicePlots(shown.trials)),
        section('Factor importance', importanceBars(shown.importance, shown.importance_not_yet)),
      );
    });
  };
  const staleLines = () =>
    parts.stale.replaceChildren(
      ...s.trials
        .filter((t) => stale(t))
        .map((t) => h('p', { class: 'error' }, `#${t.number} is running, ${stale(t)}`)),
    );
  root.replaceChildren(
    parts.head,
    parts.stale,
    section('Optimization history', parts.history),
    section('Learning curves', chart.el),
    section('Trials', filters(table), table.el),
    parts.analysis,
  );
  render();
  // the notes of stopped heartbeats grow older: said again every few seconds, and asked again of the storage; not
  // while the study is deleted (0), and again once a study of its name is read (made again under its name: the page
  // showed it, and its trials' heartbeats stopping went unsaid)
  let tick = 0;
  let closed = false;
  const ticking = () => {
    tick = window.setInterval(() => {
      // a trial that looks stopped by the heartbeat last read is read again before it is said to be (trial.ts)
      const silent = s.trials.filter((t) => stale(t));
      for (const t of silent) changed.add(t.number);
      if (silent.length) reload();
      else {
        table.refresh();
        staleLines();
      }
    }, 5000);
  };
  // deletions heard: a read begun before one (its answer the deleted study's) neither replaces the page's note of it
  // nor starts the tick again
  let deletions = 0;
  // the trials to read again (numbers the events named since the last read), or all of them (`whole`: after the
  // stream was cut or the study made again; and when more changed than a read of some is worth)
  const changed = new Set<number>();
  let whole = false;
  const reload = throttle(async () => {
    const before = deletions;
    const some = whole || changed.size > 500 ? null : [...changed];
    whole = false;
    changed.clear();
    const read = await Promise.all([
      api<Study>(studyPath(name) + (some ? trialsQuery(some) : '')),
      curves(name, some ?? undefined),
    ]).catch((e: unknown) => {
      whole = true; // what was asked for is not known to the page: all of it, next time
      throw e;
    });
    if (deletions !== before) return;
    if (some) {
      s = { ...read[0], trials: mergeTrials(s.trials, read[0].trials) };
      data = { ...read[1], trials: mergeTrials(data.trials, read[1].trials) };
    } else [s, data] = read;
    known();
    chart.replace(data);
    render();
    if (!tick && !closed) ticking();
  }, 1000);
  ticking();
  const off = onLive((e) => {
    if (e.type === 'resync') whole = true;
    if (e.type === 'resync') return void reload();
    if (!('study' in e) || e.study !== name) return;
    if (e.type === 'study-deleted') {
      clearInterval(tick);
      tick = 0;
      deletions++;
      parts.stale.replaceChildren(h('p', { class: 'error' }, `study "${name}" was deleted from the storage`));
    } else if (e.type === 'epoch') {
      chart.append(e.number, e.step, e.value);
      const beat = beats.get(e.number);
      if (beat) beating(beat, e.at);
      const t = s.trials.find((x) => x.number === e.number);
      if (t) {
        t.epochs = Math.max(t.epochs, e.epochs);
        table.refresh();
      }
      // after the chart's redraw (its animation frame was asked for first): when the epoch is on the page
      requestAnimationFrame(() => {
        (window as unknown as { lastEpoch?: unknown }).lastEpoch = { ...e, drawn: Date.now() };
      });
    } else {
      // a trial created, started or ended: it alone; the study made again under its name: all of it
      if ('number' in e) changed.add(e.number);
      else if (e.type === 'study-created') whole = true;
      reload();
    }
  });
  return () => {
    closed = true;
    off();
    clearInterval(tick);
  };
}
