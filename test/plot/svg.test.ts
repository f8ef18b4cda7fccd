// The legend never covers data (issue 20, item 12): it takes a corner of the plot that no line crosses, else it
// goes outside the plot area.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ChartInfo, forecastChart, lossChart, renderSvg } from '../../src/plot/index.js';

/** The legend's box and every drawn segment of the data paths, read back from the SVG. */
function parse(svg: string) {
  const r = /<rect class="legend" x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  assert.ok(r, 'the SVG has a legend');
  const [x, y, w, h] = r!.slice(1).map(Number) as [number, number, number, number];
  const points = [...svg.matchAll(/<path class="series" d="([^"]*)"/g)].flatMap((m) =>
    [...m[1]!.matchAll(/([ML])([\d.-]+) ([\d.-]+)/g)].map((p) => [p[1], Number(p[2]), Number(p[3])] as const),
  );
  const frame = /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg)!;
  return { box: { x, y, w, h }, points, plotRight: Number(frame[1]) + Number(frame[3]) };
}

/** Whether any drawn segment passes through the box (sampled every half pixel). */
function covered(svg: string): boolean {
  const { box, points } = parse(svg);
  const inside = (px: number, py: number) => px >= box.x && px <= box.x + box.w && py >= box.y && py <= box.y + box.h;
  for (let i = 0; i < points.length; i++) {
    const [cmd, x1, y1] = points[i]!;
    const [, x0, y0] = cmd === 'M' ? points[i]! : points[i - 1]!;
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) * 2));
    for (let k = 0; k <= n; k++) if (inside(x0 + ((x1 - x0) * k) / n, y0 + ((y1 - y0) * k) / n)) return true;
  }
  return false;
}

const n = 300;
const rising = Float64Array.from({ length: n }, (_, i) => i / n);
const wave = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 4));

test('a forecast that ends high in the top right gets its legend in a free corner, not over the data', () => {
  const svg = renderSvg(
    forecastChart(
      rising,
      rising.map((v) => v * 0.98),
    ),
  );
  assert.equal(covered(svg), false);
});

test('loss curves falling from the top left to the bottom right keep their legend off the curves', () => {
  const loss = Array.from({ length: 50 }, (_, i) => 1 / (i + 1));
  const svg = renderSvg(lossChart({ loss, val_loss: loss.map((v) => v * 1.1) }, { bestEpoch: 20 }));
  assert.equal(covered(svg), false);
});

test('data in every corner puts the legend outside the plot area, to its right', () => {
  const svg = renderSvg(
    forecastChart(
      wave,
      wave.map((v) => -v),
    ),
  );
  const { box, plotRight } = parse(svg);
  assert.equal(covered(svg), false);
  assert.ok(box.x > plotRight, `legend at x ${box.x}, plot ends at ${plotRight}`);
});

test('a study history chart (dashed trials and best so far) keeps its legend off both lines', () => {
  const values = Array.from({ length: 30 }, (_, i) => 0.5 + 0.4 * Math.cos(i));
  const info: ChartInfo = {
    title: 'study',
    xLabel: 'trial',
    yLabel: 'objective',
    series: [
      { name: 'trial (complete or pruned)', values, dashed: true },
      { name: 'best so far', values: values.map((_, i) => Math.min(...values.slice(0, i + 1))) },
    ],
  };
  assert.equal(covered(renderSvg(info)), false);
});

test('an x axis of epochs has whole-number ticks only (a 6-epoch run showed 1.5, 2.5, ...)', () => {
  const svg = renderSvg(
    lossChart({ loss: [1, 0.8, 0.7, 0.65, 0.6, 0.58], val_loss: [1.1, 0.9, 0.8, 0.75, 0.72, 0.7] }),
  );
  const xs = [...svg.matchAll(/y="\d+" text-anchor="middle">([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
  assert.ok(xs.length >= 2, svg);
  assert.ok(xs.every(Number.isInteger), xs.join(' '));
  // 3 epochs: a step of 0.2 added up (1.2, 1.4, ..., 2.0000000000000004): still 1, 2, 3
  const three = renderSvg(lossChart({ loss: [0.92, 0.8, 0.72], val_loss: [0.86, 0.76, 0.69] }));
  const ticks = [...three.matchAll(/y="\d+" text-anchor="middle">([\d.]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['1', '2', '3']);
});

/** Each text of the SVG (not the rotated y-axis label) and its extent, at about 7 px a character at 12 px. */
function texts(svg: string) {
  return [...svg.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)]
    .map((m) => ({
      attrs: Object.fromEntries([...m[1]!.matchAll(/([\w-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
      s: m[2]!,
    }))
    .filter((t) => t.attrs.transform === undefined)
    .map(({ attrs, s }) => {
      const x = Number(attrs.x),
        w = (7 * Number(attrs['font-size'] ?? 12) * s.replace(/&\w+;/g, '_').length) / 12;
      const left = attrs['text-anchor'] === 'middle' ? x - w / 2 : attrs['text-anchor'] === 'end' ? x - w : x;
      return { s, left, right: left + w };
    });
}

test('mark and band labels stay inside the plot, the title inside the picture ("best epoch 30" read "bes")', () => {
  const loss = Array.from({ length: 30 }, (_, i) => 1 / (i + 1));
  const title = `${'/a/long/folder/name'.repeat(6)}/history.json: still learning (confidence 0.97)`;
  for (const best of [29, 28, 27, 0]) {
    const info = lossChart({ loss, val_loss: loss.map((v) => v * 1.2) }, { bestEpoch: best, title });
    info.bands = [{ from: 29, to: 30, label: 'read here' }];
    info.marks!.push({ x: 1, label: 'read from here' });
    const svg = renderSvg(info);
    const frame = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="none"/.exec(svg)!;
    const [l, r] = [Number(frame[1]), Number(frame[1]) + Number(frame[2])];
    const all = texts(svg);
    for (const label of [`best epoch ${best + 1}`, 'read here', 'read from here']) {
      const t = all.find((x) => x.s === label);
      assert.ok(t && t.left >= l && t.right <= r, `${label} at ${t?.left}..${t?.right}, plot ${l}..${r}`);
    }
    const head = all[0]!;
    assert.ok(head.left >= 0 && head.right <= 800, `title at ${head.left}..${head.right}`);
    assert.match(head.s, /history\.json: still learning \(confidence 0\.97\)$/, 'the verdict kept');
  }
});

/** The y axis' tick labels of an SVG (right-aligned left of the plot), left edges at 7.6 px a digit (DejaVu Sans). */
function yLabels(svg: string): { s: string; left: number }[] {
  return [...svg.matchAll(/<text x="([\d.]+)" y="[\d.]+" text-anchor="end">([^<]*)<\/text>/g)].map((m) => ({
    s: m[2]!,
    left: Number(m[1]) - 7.6 * m[2]!.length,
  }));
}

test('tick labels tell every tick apart and stay clear of the axis label: a series near 1e9 read "1.0e+9" five times', () => {
  const n = 40;
  for (const [level, amp] of [
    [1e9, 1000],
    [1000, 1.5],
    [1e-9, 1e-13],
  ] as const) {
    const actual = Float64Array.from({ length: n }, (_, i) => level + amp * Math.sin(i / 5));
    const svg = renderSvg(
      forecastChart(
        actual,
        actual.map((v) => v + amp / 10),
      ),
    );
    const ys = yLabels(svg).map((t) => t.s);
    assert.ok(ys.length >= 3, svg);
    assert.equal(new Set(ys).size, ys.length, `${level}: ${ys.join(' ')}`);
    // each label reads back as its tick's value, to the tick step
    const step = Math.abs(Number(ys[1]) - Number(ys[0]));
    assert.ok(step > 0 && step < 3 * amp, `${level}: ${ys.join(' ')}`);
    // the y-axis label is drawn at x 9..21: no tick label reaches it
    for (const t of yLabels(svg)) assert.ok(t.left >= 23, `${t.s} starts at x ${t.left}`);
  }
});

test('a series of one value is drawn as a dot: a one-epoch loss.svg and one test window showed an empty plot', () => {
  const one = renderSvg(lossChart({ loss: [0.5], val_loss: [0.6] }));
  assert.equal([...one.matchAll(/<circle class="point" cx="([\d.]+)"/g)].length, 2, one);
  const frame = /<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)" height="[\d.]+" fill="none"/.exec(one)!;
  const cx = Number(/<circle class="point" cx="([\d.]+)"/.exec(one)![1]);
  assert.ok(Math.abs(cx - (Number(frame[1]) + Number(frame[2]) / 2)) < 1, 'in the middle of the plot');
  const ticks = [...one.matchAll(/y="\d+" text-anchor="middle">([\d.]+)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(ticks, ['1'], 'epoch 1 alone on the x axis');
  // a longer series has no dots, except where a non-finite value leaves one value alone
  const gap = renderSvg(forecastChart([1, 2, Number.NaN, 3, Number.NaN, 4, 5], [1, 2, 2, 3, 3, 4, 5]));
  assert.equal([...gap.matchAll(/<circle class="point"/g)].length, 1, gap);
});
