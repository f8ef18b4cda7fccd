// TPE's Parzen estimators are proper densities: each truncated kernel and each mixture integrates to 1 over the
// range (sums to 1 over the integers and the choices), and the log density is the textbook formula, checked here
// against a direct computation whose normalisers come from numerical integration (not from erfc).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/nn/random.js';
import { parseSpace } from '../../src/tune/index.js';
import { CategoricalKernels } from '../../src/tune/samplers/tpe-categorical.js';
import { erfc, logNormalMass, TruncatedGaussians } from '../../src/tune/samplers/tpe-kernels.js';
import { parzenOf } from '../../src/tune/samplers/tpe-parzen.js';
import { axisOf } from '../../src/tune/samplers/tpe-space.js';

/** Simpson's rule over [a, b] with n (even) intervals. */
function simpson(f: (x: number) => number, a: number, b: number, n = 4000): number {
  const h = (b - a) / n;
  let s = f(a) + f(b);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}
const phi = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

test('erfc and the normal mass match numerical integration, in the tails too', () => {
  for (const [a, b] of [
    [-1, 2],
    [0.5, 0.7],
    [3, 5],
    [-6, -4],
    [-0.2, 0.1],
  ] as const) {
    const direct = simpson(phi, a, b);
    assert.ok(Math.abs(Math.exp(logNormalMass(a, b)) / direct - 1) < 1e-6, `mass on [${a}, ${b}]`);
  }
  assert.ok(Math.abs(erfc(0) - 1) < 1e-7);
  assert.ok(Math.abs(erfc(-3) - (2 - erfc(3))) < 1e-12);
});

test('each truncated kernel integrates to 1 over the range, however near the bound it sits', () => {
  const mu = Float64Array.from([0, 0.03, 0.5, 0.97, 1, 0.5]);
  const sigma = Float64Array.from([0.05, 0.3, 0.01, 0.2, 1, 1]);
  const k = new TruncatedGaussians(mu, sigma, 0, 1);
  for (let i = 0; i < mu.length; i++) {
    const total = simpson((x) => Math.exp(k.logpdf(i, x)), 0, 1, 20000);
    assert.ok(Math.abs(total - 1) < 1e-6, `kernel ${i} integrates to ${total}`);
  }
});

test('a mixture matches the direct formula: sum_k w_k N(x; mu_k, s_k) / mass_k(range) * p_k(choice)', () => {
  const space = parseSpace({ lr: { loguniform: [1e-4, 1e-1] }, opt: ['adam', 'sgd', 'rmsprop'] }, 1);
  const axes = space.map(axisOf);
  const obs = [
    [Math.log(1e-3), 0],
    [Math.log(3e-2), 1],
    [Math.log(2e-4), 0],
  ];
  const weights = [0.5, 1, 2];
  const p = parzenOf(axes, obs, weights);
  const { lo, hi } = axes[0]!;
  const gauss = p.dims[0] as TruncatedGaussians;
  const total = weights.reduce((a, b) => a + b, 0) + 1;
  for (const x of [Math.log(1e-4), Math.log(5e-3), Math.log(0.09)])
    for (let c = 0; c < 3; c++) {
      let direct = 0;
      for (let k = 0; k <= obs.length; k++) {
        const m = gauss.mu[k]!,
          s = gauss.sigma[k]!;
        const mass = simpson((t) => phi((t - m) / s) / s, lo, hi, 20000);
        const eps = 2 / (obs.length + 1); // categorical smoothing: twice the prior weight over the kernels
        const pc = k === obs.length ? 1 / 3 : ((obs[k]![1] === c ? 1 : 0) + eps) / (1 + 3 * eps);
        direct += ((weights[k] ?? 1) / total) * (phi((x - m) / s) / s / mass) * pc;
      }
      assert.ok(Math.abs(p.logpdf([x, c]) - Math.log(direct)) < 1e-6, `x ${x} choice ${c}`);
    }
  // the prior kernel spans the range, the others share one bandwidth, clipped to at least 0.03 of it
  assert.equal(gauss.sigma[obs.length], hi - lo);
  assert.ok(gauss.sigma[0]! >= 0.03 * (hi - lo) && gauss.sigma[0]! < hi - lo);
});

test('a 2-D mixture integrates to 1 over the box; integer and categorical mixtures sum to 1', () => {
  const space = parseSpace(
    { x: { uniform: [-5, 10] }, y: { uniform: [0, 15] }, n: { int: [1, 9] }, u: { int: [8, 512], log: true } },
    1,
  );
  const axes = space.map(axisOf);
  const rng = new Rng(4);
  const obs = Array.from({ length: 7 }, () => axes.map((a) => a.lo + rng.uniform() * (a.hi - a.lo)));
  const xy = parzenOf(axes.slice(0, 2), obs, [1, 1, 1, 1, 1, 1, 1]);
  const total = simpson(
    (x) => simpson((y) => Math.exp(xy.logpdf([x, y])), axes[1]!.lo, axes[1]!.hi, 400),
    axes[0]!.lo,
    axes[0]!.hi,
    400,
  );
  assert.ok(Math.abs(total - 1) < 1e-4, `2-D total ${total}`);
  for (const d of [2, 3]) {
    const a = axes[d]!;
    const ints = parzenOf(
      [a],
      obs.map((o) => [a.toCoord(a.fromCoord(o[d]!))]),
      obs.map(() => 1),
    );
    const dist = space[d]!.dist as { lo: number; hi: number };
    let sum = 0;
    for (let k = dist.lo; k <= dist.hi; k++) sum += Math.exp(ints.logpdf([a.toCoord(k)]));
    assert.ok(Math.abs(sum - 1) < 1e-6, `${space[d]!.name}: the integers' masses sum to ${sum}`);
  }
  const cat = new CategoricalKernels([0, 2, 2], 4, 1);
  for (let k = 0; k <= 3; k++) {
    const sum = [0, 1, 2, 3].reduce((s, c) => s + Math.exp(cat.logpdf(k, c)), 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `categorical kernel ${k} sums to ${sum}`);
  }
});

test('draws stay inside the range and follow the kernel', () => {
  const k = new TruncatedGaussians(Float64Array.from([0.98]), Float64Array.from([0.1]), 0, 1);
  const rng = new Rng(1);
  const xs = Array.from({ length: 4000 }, () => k.draw(0, rng));
  assert.ok(xs.every((x) => x >= 0 && x <= 1));
  assert.ok(!xs.some((x) => x === 1), 'no draw is piled onto the bound');
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const exact = simpson((x) => x * Math.exp(k.logpdf(0, x)), 0, 1, 20000);
  assert.ok(Math.abs(mean - exact) < 0.01, `mean ${mean} against ${exact}`);
});
