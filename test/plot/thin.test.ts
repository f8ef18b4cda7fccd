// Long curves are thinned to a few points a pixel column: `seqtune diagnose --plot` of a 100,000-epoch history wrote a
// 2.4 MB SVG, one point an epoch on a plot some 700 pixels wide. Short curves are drawn as before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lossChart, renderSvg } from '../../src/plot/index.js';
import { thinPolyline } from '../../src/plot/thin.js';

/** Each series path's points, [x, y], read back from the SVG. */
const paths = (svg: string) =>
  [...svg.matchAll(/<path class="series" d="([^"]*)"/g)].map((m) =>
    [...m[1]!.matchAll(/[ML]([\d.-]+) ([\d.-]+)/g)].map((p) => [Number(p[1]), Number(p[2])] as const),
  );

/** A loss history of n epochs: falling, noisy, with a spike in the training loss and one in validation. */
function history(n: number) {
  let s = 7;
  const r = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const loss: number[] = [],
    val_loss: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / n;
    loss.push(1 / (1 + 20 * t) + 0.02 * r() + (i === Math.floor(n * 0.31) ? 0.5 : 0));
    val_loss.push(0.3 + 0.5 * (t - 0.4) ** 2 + 0.03 * r() + (i === Math.floor(n * 0.77) ? 2 : 0));
  }
  return { loss, val_loss };
}

test("a 100,000-epoch loss chart is a small SVG that keeps each curve's extremes, ends and spikes", () => {
  const h = history(100_000);
  const svg = renderSvg(lossChart(h, { bestEpoch: 40_000 }));
  assert.ok(svg.length < 200_000, `${svg.length} characters`); // 2.4 MB before
  const drawn = paths(svg);
  assert.equal(drawn.length, 2);
  for (const [k, pts] of drawn.entries()) {
    assert.ok(pts.length <= 4 * 800, `${pts.length} points in series ${k}`);
    // x ascending, the first epoch and the last drawn
    for (let i = 1; i < pts.length; i++) assert.ok(pts[i]![0] >= pts[i - 1]![0]);
    const values = k === 0 ? h.loss : h.val_loss;
    // the highest value (a spike) is drawn at the path's top, at its epoch's x; the lowest at its bottom
    const top = Math.min(...pts.map((p) => p[1])),
      bottom = Math.max(...pts.map((p) => p[1]));
    const [x0, x1] = [pts[0]![0], pts.at(-1)![0]];
    const xOf = (epoch: number) => x0 + ((x1 - x0) * epoch) / (values.length - 1);
    const drawnAt = (epoch: number, y: number) => pts.some((p) => Math.abs(p[0] - xOf(epoch)) <= 0.2 && p[1] === y);
    const hi = values.indexOf(Math.max(...values)),
      lo = values.indexOf(Math.min(...values));
    assert.ok(drawnAt(hi, top), `series ${k}: its highest value (epoch ${hi + 1}) is not the path's top`);
    assert.ok(drawnAt(lo, bottom), `series ${k}: its lowest value (epoch ${lo + 1}) is not the path's bottom`);
  }
});

test('a 50-epoch loss chart is drawn as before: every epoch a point of its path', () => {
  const h = history(50);
  const svg = renderSvg(lossChart(h, { bestEpoch: 20 }));
  for (const pts of paths(svg)) assert.equal(pts.length, 50);
});

test('thinPolyline keeps runs of up to 4 points a column whole, and first, lowest, highest, last of longer ones', () => {
  const few: [number, number][] = [
    [0.1, 5],
    [0.5, 1],
    [0.9, 7],
    [1.2, 3],
    [2.5, 4],
  ];
  assert.deepEqual(thinPolyline(few), few);
  // 10 points in column 3: the first (y 5), lowest y (0, the 4th), highest (9, the 7th), last (y 6), in order
  const ys = [5, 2, 3, 0, 4, 1, 9, 8, 7, 6];
  const col: [number, number][] = ys.map((y, i) => [3 + i / 10, y]);
  assert.deepEqual(thinPolyline([[1, 1], ...col, [4.5, 2]]), [[1, 1], col[0], col[3], col[6], col[9], [4.5, 2]]);
  // first or last the extreme itself: not twice
  assert.deepEqual(thinPolyline(col.map(([x], i) => [x, i])), [col[0]!.slice(0, 1).concat(0), [3.9, 9]]);
  assert.deepEqual(thinPolyline([]), []);
});
