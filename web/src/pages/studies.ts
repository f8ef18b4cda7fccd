// The studies page: one row per stored study with its strategy, trials by state, best value and last activity
// (GET /api/study-list: the trials counted, not listed); refreshed when the live events say a study or trial appeared
// or ended.

import { api, onLive, type StudyRow } from '../api.js';
import { agoText, h, num, scrollBox, throttle, timeLeft } from '../dom.js';

const STATES = ['complete', 'pruned', 'failed', 'running', 'waiting'];

/**
 * How many trials are in a state; running ones whose heartbeat stopped (`silent`) are marked as the study page marks
 * them: a study whose process was killed read '1 running' here for ever, as if it still ran.
 */
function stateCount(state: string, n: number, silent: number): HTMLElement {
  if (state !== 'running' || !silent) return h('span', { class: `state ${state}` }, `${n} ${state}`);
  const title = `${silent} of them without a heartbeat for longer than their process beats: it may be dead`;
  return h('span', { class: 'state running', title }, `${n} running ⚠`);
}

function row(s: StudyRow): HTMLElement {
  const counts = STATES.map((st) => [st, s.states[st] ?? 0] as const).filter(([, n]) => n > 0);
  return h(
    'tr',
    { 'data-study': s.name },
    h('td', {}, h('a', { href: `#/study/${encodeURIComponent(s.name)}` }, s.name)),
    h('td', {}, s.strategy ?? '–'),
    h('td', {}, String(s.trials)),
    h(
      'td',
      {},
      ...counts.map(([st, n]) => stateCount(st, n, s.silent)),
      // the estimate of study ls --json, while it has one
      timeLeft(s.time_left_s) ? h('span', { class: 'time-left' }, timeLeft(s.time_left_s)) : null,
    ),
    h('td', {}, s.best ? `${num(s.best.value)} (#${s.best.number})` : '–'),
    h('td', {}, agoText(s.last_activity)),
  );
}

export async function studiesPage(root: HTMLElement): Promise<() => void> {
  const body = h('tbody');
  const table = h(
    'table',
    { class: 'list', id: 'studies' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['study', 'strategy', 'trials', 'by state', 'best value', 'last activity'].map((t) => h('th', {}, t)),
      ),
    ),
    body,
  );
  root.replaceChildren(h('h1', {}, 'Studies'), scrollBox(table));
  const load = async () => {
    const all = await api<StudyRow[]>('/api/study-list');
    body.replaceChildren(...all.map(row));
    if (!all.length) body.append(h('tr', {}, h('td', { colspan: 6 }, 'no study in this storage yet')));
  };
  await load();
  const again = throttle(() => void load(), 1000);
  return onLive((e) => {
    if (e.type !== 'epoch') again();
  });
}
