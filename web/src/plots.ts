// The study's analysis charts on canvas: a slice plot per parameter (objective against its values), parallel
// coordinates (each trial a line across the parameters to its value), and factor importance as bars.

import type { Importance, TrialRow } from './api.js';
import { canvas, chartWidth, scaleOf, tickText, unit } from './chart.js';
import { h, num } from './dom.js';

type Axis = { name: string; pos: (t: TrialRow) => number | null; labels: [string, string] };

/** Where a trial sits on a parameter's axis in [0, 1]: numbers on a (log) scale, other values by their order. */
function axisOf(name: string, trials: TrialRow[]): Axis {
  const vals = trials.map((t) => t.params[name]);
  if (vals.every((v) => v === undefined || typeof v === 'number')) {
    // an integer parameter (units, lookback) keeps integer ends: one value 24 is 23-25, not 21.6-26.4
    const integer = vals.every((v) => v === undefined || Number.isInteger(v));
    const s = scaleOf(
      vals.map((v) => (v === undefined ? null : (v as number))),
      integer,
    );
    return {
      name,
      pos: (t) => (typeof t.params[name] === 'number' ? unit(s, t.params[name] as number) : null),
      labels: tickText(s),
    };
  }
  const keys = [...new Set(vals.filter((v) => v !== undefined).map((v) => JSON.stringify(v)))].sort();
  const at = (k: string) => (keys.length > 1 ? keys.indexOf(k) / (keys.length - 1) : 0.5);
  return {
    name,
    pos: (t) => (t.params[name] === undefined ? null : at(JSON.stringify(t.params[name]))),
    labels: [keys[0] ?? '', keys.at(-1) ?? ''],
  };
}

export const paramNames = (trials: TrialRow[]): string[] => [...new Set(trials.flatMap((t) => Object.keys(t.params)))];

const done = (trials: TrialRow[]) => trials.filter((t) => t.state === 'complete' && t.value !== null);

/**
 * One small scatter per parameter: its value (x) against the objective (y, its ends written at the left, `(log)`
 * on a log scale), newer trials darker.
 */
export function slicePlots(trials: TrialRow[]): HTMLElement {
  const ok = done(trials);
  const ys = scaleOf(ok.map((t) => t.value));
  const yText = tickText(ys);
  const W = 280,
    H = 180,
    m = 28,
    left = 48;
  const charts = paramNames(trials).map((name) => {
    const ax = axisOf(name, ok);
    const { el, ctx } = canvas(W, H);
    ctx.strokeStyle = '#9ca3af';
    ctx.strokeRect(left, 8, W - left - 8, H - m - 8);
    const n = ok.length;
    ok.forEach((t, i) => {
      const x = ax.pos(t);
      if (x === null) return;
      ctx.fillStyle = `rgba(37,99,235,${0.25 + (0.75 * (i + 1)) / n})`;
      ctx.fillRect(left + 2 + x * (W - left - 14) - 2, 10 + (1 - unit(ys, t.value!)) * (H - m - 12) - 2, 5, 5);
    });
    ctx.fillStyle = '#374151';
    ctx.font = '10px sans-serif';
    ctx.fillText(ax.labels[0], left, H - 8);
    const right = ax.labels[1];
    ctx.fillText(right, W - 8 - ctx.measureText(right).width, H - 8);
    ctx.fillText(yText[1], left - 4 - ctx.measureText(yText[1]).width, 16);
    ctx.fillText(yText[0], left - 4 - ctx.measureText(yText[0]).width, H - m);
    if (ys.log) ctx.fillText('(log)', 2, H / 2 - 6);
    return h(
      'figure',
      { class: 'slice', 'data-x': ax.labels.join(' – '), 'data-y': yText.join(' – ') },
      el,
      h('figcaption', {}, name),
    );
  });
  return charts.length ? h('div', { class: 'slices' }, ...charts) : h('p', { class: 'muted' }, 'no parameters');
}

/** Parallel coordinates: one axis per parameter and the objective last; lines coloured from best (blue) to worst. */
export function parallelCoordinates(trials: TrialRow[]): HTMLElement {
  const ok = done(trials);
  const names = paramNames(ok);
  if (!names.length || !ok.length) return h('p', { class: 'muted' }, 'no completed trials with parameters yet');
  const ys = scaleOf(ok.map((t) => t.value));
  const axes = [
    ...names.map((n) => axisOf(n, ok)),
    { name: 'value', pos: (t: TrialRow) => unit(ys, t.value!), labels: tickText(ys) },
  ];
  const W = chartWidth(),
    H = 260,
    top = 24,
    bottom = 40;
  const { el, ctx } = canvas(W, H);
  const xAt = (i: number) => 40 + (i / Math.max(1, axes.length - 1)) * (W - 80);
  const yAt = (p: number) => top + (1 - p) * (H - top - bottom);
  const order = [...ok].sort((a, b) => b.value! - a.value!); // best drawn last, on top
  order.forEach((t, k) => {
    const good = (k + 1) / order.length;
    ctx.strokeStyle = `hsla(${220 - 200 * (1 - good)}, 80%, 45%, ${0.15 + 0.6 * good})`;
    ctx.beginPath();
    axes.forEach((a, i) => {
      const p = a.pos(t);
      if (p === null) return;
      if (i === 0) ctx.moveTo(xAt(i), yAt(p));
      else ctx.lineTo(xAt(i), yAt(p));
    });
    ctx.stroke();
  });
  ctx.fillStyle = '#111827';
  ctx.font = '11px sans-serif';
  axes.forEach((a, i) => {
    ctx.strokeStyle = '#6b7280';
    ctx.beginPath();
    ctx.moveTo(xAt(i), yAt(1));
    ctx.lineTo(xAt(i), yAt(0));
    ctx.stroke();
    const label = a.name.length > 28 ? `…${a.name.slice(-27)}` : a.name;
    ctx.fillText(label, Math.max(0, xAt(i) - ctx.measureText(label).width / 2), H - 22);
    ctx.fillText(a.labels[1], xAt(i) + 3, top - 6);
    ctx.fillText(a.labels[0], xAt(i) + 3, H - bottom + 12);
  });
  return h('div', { class: 'chart', id: 'parallel', 'data-axes': JSON.stringify(axes.map((a) => a.labels)) }, el);
}

/**
 * Factor importance as labelled bars (the same numbers `study show` prints), or as it says why not yet (`notYet`: the
 * study JSON's `importance_not_yet`, study show's words).
 */
export function importanceBars(imp: Importance[], notYet: string | null): HTMLElement {
  if (notYet !== null || !imp.length)
    return h('p', { class: 'muted', id: 'importance-not-yet' }, `not enough trials yet ${notYet ?? ''}`.trim());
  const max = Math.max(...imp.map((i) => i.importance), 1e-12);
  return h(
    'div',
    { class: 'bars' },
    h('p', { class: 'muted' }, `method: ${imp[0]!.method}`),
    ...imp.map((i) => {
      const bar = h('span', { class: 'bar' });
      bar.style.width = `${(100 * i.importance) / max}%`;
      return h(
        'div',
        { class: 'bar-row' },
        h('span', { class: 'bar-label' }, i.param),
        h('span', { class: 'bar-track' }, bar),
        h('span', { class: 'bar-value' }, `${num(100 * i.importance, 3)}%`),
      );
    }),
  );
}
