// Synthetic loss-curve shapes for each diagnosis pattern, with multiplicative noise and a random
// overall scale between 1e-4 and 1e3 (the diagnosis must read them the same).
import { Rng } from '../../src/nn/random.js';

export interface Curve {
  id: string;
  label: string;
  source: 'run' | 'synthetic';
  how: string;
  history: Record<string, (number | null)[]>;
}
const clean = (v: number[]) => v.map((x) => (Number.isFinite(x) ? x : null));

export function syntheticCurves(seed: number, perPattern: number): Curve[] {
  const rng = new Rng(seed);
  const out: Curve[] = [];
  function shape(id: string, label: string, how: string, f: (t: number) => [number, number], n: number, noise: number) {
    const scale = 10 ** (rng.uniform() * 7 - 4);
    const loss: number[] = [],
      val: number[] = [];
    for (let t = 0; t < n; t++) {
      const [a, b] = f(t);
      loss.push(scale * a * Math.exp(noise * rng.normal()));
      val.push(scale * b * Math.exp(noise * rng.normal()));
    }
    out.push({
      id: `${id}-s${seed}`,
      label,
      source: 'synthetic',
      how,
      history: { loss: clean(loss), val_loss: clean(val) },
    });
  }
  for (let k = 0; k < perPattern; k++) {
    const n = 30 + rng.int(60),
      noise = 0.005 + 0.02 * rng.uniform(),
      tau = n * (0.8 + rng.uniform());
    shape(
      `syn-learning-${k}`,
      'learning',
      'both decay with a time constant longer than the run',
      (t) => [0.2 + Math.exp(-t / tau), 0.3 + 1.1 * Math.exp(-t / tau)],
      n,
      noise,
    );
    const t0 = n * (0.25 + 0.3 * rng.uniform());
    shape(
      `syn-overfitting-${k}`,
      'overfitting',
      'train decays; validation turns up after its minimum',
      (t) => [
        0.1 + Math.exp(-t / (n / 4)),
        0.4 + 0.6 * Math.exp(-t / (n / 6)) + (t > t0 ? 0.5 * ((t - t0) / n) ** 1.2 : 0),
      ],
      n,
      noise,
    );
    shape(
      `syn-underfitting-${k}`,
      'underfitting',
      'train keeps falling slowly; validation flat from early on',
      (t) => [0.5 + 0.5 * Math.exp(-t / (n * 0.6)), 0.9 + 0.5 * Math.exp(-t / 3)],
      n,
      noise,
    );
    shape(
      `syn-plateau-${k}`,
      'plateau',
      'both drop quickly and then stay flat',
      (t) => [0.6 + 0.8 * Math.exp(-t / 2), 0.7 + 0.8 * Math.exp(-t / 2)],
      n,
      noise,
    );
    shape(
      `syn-architecture-${k}`,
      'architecture',
      'both rise steadily',
      (t) => [1 + 0.03 * t, 1.1 + 0.04 * t],
      n,
      noise,
    );
    shape(
      `syn-data-${k}`,
      'data',
      'train rises while validation falls',
      (t) => [1 + 0.02 * t, 1.5 * Math.exp(-t / n)],
      n,
      noise,
    );
    const nanAt = Math.round(n * (0.3 + 0.5 * rng.uniform()));
    shape(
      `syn-diverged-${k}`,
      'diverged',
      k % 2 ? 'explodes by 1e3 then NaN' : 'NaN after a normal start',
      (t) =>
        t >= nanAt
          ? k % 2 && t < nanAt + 3
            ? [1e3 * 2 ** t, 1e3 * 2 ** t]
            : [NaN, NaN]
          : [0.3 + Math.exp(-t / 5), 0.35 + Math.exp(-t / 5)],
      n,
      noise,
    );
    shape(
      `syn-unstable-${k}`,
      'unstable',
      'flat trend with +-30% zig-zag swings',
      (t) => [
        0.8 * (1 + 0.3 * (t % 2 ? 1 : -1) * (0.6 + 0.4 * rng.uniform())),
        0.9 * (1 + 0.35 * ((t + (k % 2)) % 2 ? 1 : -1) * (0.6 + 0.4 * rng.uniform())),
      ],
      n,
      noise,
    );
  }
  return out;
}
