// A wide generator of labelled loss curves: 8 to 2,000 epochs, noise from 0 to 40% of the level
// (autocorrelated or not), spikes, learning-rate drops (steps), early-stopping truncation, scales from
// 1e-6 to 1e4, negative losses, validation above or below training, some runs without validation.
// Each curve's label is the shape it was drawn from. Three rules keep the labels honest:
// - the noise is capped so that the pattern's own change stays readable over the epochs it spans
//   (a 5% rise over 6 epochs under 40% noise is no pattern anyone could read);
// - the training loss (an average over the batches of an epoch) carries at most 4% noise except in
//   the unstable shapes, whose defining trait is that it swings; validation noise goes up to 40%;
// - the visibility rule (`invisible` below, the same for every pattern): a curve whose defining change, as
//   kept after early stopping and learning-rate drops, is under 3 standard errors of its (autocorrelated)
//   noise or under 5% is drawn again.
// Generator version 2 (curve ids `syn2-...`); version 1 had only the first two rules.
import { Rng } from '../../src/nn/index.js';

/** The generator's version, the prefix of its curve ids (corpus.json records it in its "about"). */
export const SYN = 'syn2';

export interface LabelledCurve {
  id: string;
  label: string;
  source: 'synthetic' | 'run' | 'keras';
  how: string;
  loss: (number | null)[];
  val_loss?: (number | null)[];
  cite?: string;
}

type Shape = (u: number) => number;
interface Drawn {
  how: string;
  /** Log-levels of train and validation over normalised time u in [0, 1]. */
  train: Shape;
  val: Shape | null;
  /** Size (log units) and span (share of the run) of the change that defines the pattern, per curve. */
  signal: { train: number; val: number; span: number };
  /** Extra per-epoch log offsets (oscillation) of train and val, given the epoch count. */
  swings?: (n: number) => { train: number[]; val: number[] };
  steps?: boolean;
  truncate?: boolean;
}

const ln = Math.log;
const decay =
  (floor: number, tau: number, amp = 1) =>
  (u: number) =>
    ln(floor + amp * Math.exp(-u / tau));

function swingSeries(r: Rng, n: number, amp: number): number[] {
  const kind = r.int(4);
  const period = 2 + r.int(2);
  return Array.from({ length: n }, (_, t) => {
    if (kind === 0) return amp * (t % 2 ? 1 : -1) * (0.5 + r.uniform());
    if (kind === 1) return r.uniform() < 0.3 ? amp * (1 + 2 * r.uniform()) : -0.3 * amp * r.uniform();
    if (kind === 2) return amp * (Math.floor(t / period) % 2 ? 1 : -1) * (0.7 + 0.6 * r.uniform());
    return amp * r.normal();
  });
}

/** The shapes, by label. u is time in [0, 1]. */
const SHAPES: Record<string, (r: Rng) => Drawn> = {
  learning: (r) => {
    const tau = 0.3 + 1.7 * r.uniform(),
      f = 0.02 + 0.5 * r.uniform(),
      fv = f * (1 + r.uniform());
    const tr = decay(f, tau),
      va = decay(fv, tau * (0.8 + 0.4 * r.uniform()));
    return {
      how: `both decay with time constant ${tau.toFixed(2)} runs`,
      train: tr,
      val: va,
      signal: { train: tr(0.6) - tr(1), val: va(0.6) - va(1), span: 0.4 },
      steps: true,
    };
  },
  overfitting: (r) => {
    const u0 = 0.05 + 0.6 * r.uniform(),
      rise = 0.12 + 0.9 * r.uniform(),
      kind = r.int(3),
      k = 0.05 + 0.25 * r.uniform();
    const g = (x: number) => (kind === 0 ? x : kind === 1 ? 1 - Math.exp(-x / k) : x * x);
    const tr = decay(0.02 + 0.3 * r.uniform(), 0.1 + 0.5 * r.uniform());
    const base = decay(0.3 + 0.5 * r.uniform(), Math.max(0.02, u0 / 3));
    const va = (u: number) => base(u) + (u > u0 ? rise * g((u - u0) / (1 - u0)) : 0);
    return {
      how:
        `validation turns up at ${(100 * u0).toFixed(0)}% of the run by ${rise.toFixed(2)} (log), ` +
        `${['linearly', 'then levels off', 'accelerating'][kind]}`,
      train: tr,
      val: va,
      signal: { train: tr(u0) - tr(1), val: rise * g(1), span: 1 - u0 },
      steps: true,
      truncate: true,
    };
  },
  underfitting: (r) => {
    const tau = 0.3 + 1.2 * r.uniform();
    const tr = decay(0.05 + 0.5 * r.uniform(), tau),
      va = decay(0.5 + r.uniform(), 0.02 + 0.08 * r.uniform(), 0.3 + r.uniform());
    return {
      how: 'train keeps falling; validation flat after an early drop',
      train: tr,
      val: va,
      signal: { train: tr(0.4) - tr(1), val: 0.15, span: 0.6 },
    };
  },
  plateau: (r) => {
    const drop = r.uniform() < 0.7 ? 0.5 + r.uniform() : 0,
      tau = 0.01 + 0.07 * r.uniform();
    const f = 0.2 + r.uniform();
    return {
      how: drop ? 'both drop quickly, then stay flat' : 'both flat from the start',
      train: decay(f, tau, drop),
      val: decay(f * (0.7 + 0.8 * r.uniform()), tau, drop),
      signal: { train: 0.15, val: 0.15, span: 0.6 },
      truncate: true,
    };
  },
  architecture: (r) => {
    const rt = 0.2 + 2 * r.uniform(),
      rv = 0.2 + 2 * r.uniform(),
      kind = r.int(3),
      dip = 0.1 + 0.2 * r.uniform();
    const h = (u: number) =>
      kind === 0 ? u : kind === 1 ? u * u : u < dip ? -0.3 * (u / dip) : ((u - dip) / (1 - dip)) ** 1.5;
    return {
      how: `both rise (${['linearly', 'accelerating', 'after a short fall'][kind]})`,
      train: (u) => rt * h(u),
      val: (u) => 0.1 + rv * h(u),
      signal: { train: rt * (h(1) - h(0.6)), val: rv * (h(1) - h(0.6)), span: 0.4 },
    };
  },
  data: (r) => {
    const rt = 0.12 + 0.9 * r.uniform(),
      rv = 0.12 + 0.9 * r.uniform();
    return {
      how: 'train rises while validation falls',
      train: (u) => rt * u,
      val: (u) => 0.3 - rv * u,
      signal: { train: 0.4 * rt, val: 0.4 * rv, span: 0.4 },
    };
  },
  unstable: (r) => {
    const at = 0.1 + 0.6 * r.uniform(),
      av = 0.1 + 0.8 * r.uniform(),
      rho = r.uniform(),
      drop = r.uniform() < 0.5 ? 0.2 * r.uniform() : 0,
      trend = (r.uniform() - 0.5) * 0.5 * at;
    const lvl = (u: number) => (u < drop ? 1.5 * (1 - u / drop) : 0) + trend * u;
    return {
      how: `swings of ${(100 * at).toFixed(0)}% (train) and ${(100 * av).toFixed(0)}% (validation) around a level`,
      train: lvl,
      val: (u) => 0.2 + lvl(u),
      signal: { train: 10, val: 10, span: 1 },
      swings: (n) => {
        const s = swingSeries(r, n, at),
          o = swingSeries(r, n, av);
        return { train: s, val: s.map((x, i) => rho * (av / at) * x + Math.sqrt(1 - rho * rho) * o[i]!) };
      },
    };
  },
};

function noiseSeries(r: Rng, n: number, sd: number, rho: number): number[] {
  let e = r.normal();
  return Array.from({ length: n }, () => {
    e = rho * e + Math.sqrt(1 - rho * rho) * r.normal();
    return sd * e;
  });
}

/**
 * Noise sd (log units) for a curve whose pattern changes by `signal` over `m` epochs, at most `max`. A trend's
 * z is about signal sqrt(m) / (sqrt(12) sd); the cap keeps it near 3 or more for white noise (the visibility
 * rule below then redraws the curves whose autocorrelation, truncation or learning-rate drop hid the change).
 */
const readableNoise = (r: Rng, signal: number, m: number, max: number) =>
  Math.min(max * r.uniform() ** 1.5, (Math.abs(signal) * Math.sqrt(Math.max(m, 2))) / (3 * Math.sqrt(12)));

/** One curve's log-levels: the clean shape (with learning-rate steps) and the shape plus noise, swings, spikes. */
interface Levels {
  clean: number[];
  noisy: number[];
  sd: number;
  rho: number;
}

function levels(r: Rng, n: number, shape: Shape, sd: number, swing: number[] | undefined, steps: number[]): Levels {
  const rho = r.uniform() < 0.5 ? 0 : 0.7 * r.uniform();
  const e = noiseSeries(r, n, sd, rho);
  const spikes = r.uniform() < 0.3 ? 1 + r.int(Math.max(1, Math.round(n / 50))) : 0;
  const clean = Array.from({ length: n }, (_, t) => {
    let y = shape(n > 1 ? t / (n - 1) : 0);
    for (const s of steps) if (t >= s) y -= 0.2;
    return y;
  });
  const noisy = clean.map((y, t) => y + e[t]! + (swing?.[t] ?? 0));
  for (let k = 0; k < spikes; k++) noisy[r.int(n)]! += ln(1.5 + 2.5 * r.uniform());
  return { clean, noisy, sd, rho };
}

/**
 * The visibility rule, the same for every pattern: a curve keeps its label only when the change that defines
 * the pattern, measured on the noise-free levels of the epochs the curve keeps (after early stopping, with its
 * learning-rate drops), stands at least Z_VISIBLE standard errors above the noise that the curve carries there:
 *   z = |change| sqrt(m_eff) / (sqrt(12) sd),   m_eff = m (1 - rho) / (1 + rho),
 * the z of a straight-line trend of that total change over m epochs under AR(1) noise of marginal sd `sd` and
 * lag-1 correlation rho (the variance inflation of an AR(1) mean, Box & Jenkins). The defining changes:
 * falling/rising over the last 40% (learning, bottleneck, network structure, data set), validation since its
 * lowest clean epoch (overfitting: a rise; the rest of the run is not the pattern), training over the last 60%
 * (underfitting); a flat curve (plateau; underfitting's validation) is labelable when a 15% move over the last
 * 60% would stand out, so that "flat" is a finding and not the noise hiding a trend.
 * Why 3: it is the practitioner's "clearly there" (three standard errors), and a 5%-level trend test finds such a
 * change about 85% of the time (Phi(3 - 1.96)); below it, a reader would call the same numbers two ways. Curves
 * that fail are drawn again from the same generator (same distributions, the next draws of the seed's stream).
 */
export const Z_VISIBLE = 3;
/**
 * A trend is also big enough to matter: at least 5% (0.05 log) across its window. The issue asks trends to be read
 * by significance and effect size together; a 3% validation rise in 70 epochs after early stopping is significant
 * under 2% noise, but a reader calls that curve flat (the table's underfitting row), not overfitting.
 */
export const EFFECT_VISIBLE = 0.05;
export const FLAT = 0.15;

export function zOf(change: number, m: number, sd: number, rho: number): number {
  if (sd === 0) return change === 0 ? 0 : Infinity;
  const mEff = (Math.max(m, 2) * (1 - rho)) / (1 + rho);
  return (Math.abs(change) * Math.sqrt(mEff)) / (Math.sqrt(12) * sd);
}

/** The signed change of `v` over its last `share` (and the epochs it spans). */
function tail(v: number[], share: number): { change: number; m: number } {
  const a = Math.min(v.length - 2, Math.floor((1 - share) * (v.length - 1)));
  return { change: v[v.length - 1]! - v[Math.max(0, a)]!, m: v.length - Math.max(0, a) };
}

/** Whether the curve's defining change is visible under its noise (the rule above); a reason when not. */
export function invisible(label: string, t: Levels, v: Levels | null): string | null {
  const trend = (l: Levels, share: number, sign: 1 | -1) => {
    const { change, m } = tail(l.clean, share);
    return sign * change >= EFFECT_VISIBLE ? zOf(change, m, l.sd, l.rho) : 0;
  };
  const flat = (l: Levels) => zOf(FLAT, tail(l.clean, 0.6).m, l.sd, l.rho);
  let z: number[] = [];
  if (label === 'learning') z = [trend(t, 0.4, -1), ...(v ? [trend(v, 0.4, -1)] : [])];
  else if (label === 'architecture') z = [trend(t, 0.4, 1), ...(v ? [trend(v, 0.4, 1)] : [])];
  else if (label === 'data' && v) z = [trend(t, 0.4, 1), trend(v, 0.4, -1)];
  else if (label === 'underfitting' && v) z = [trend(t, 0.6, -1), flat(v)];
  else if (label === 'plateau') z = [flat(t), ...(v ? [flat(v)] : [])];
  else if (label === 'overfitting' && v) {
    const b = v.clean.indexOf(Math.min(...v.clean));
    const rise = v.clean[v.clean.length - 1]! - v.clean[b]!;
    z = [rise >= EFFECT_VISIBLE ? zOf(rise, v.clean.length - b, v.sd, v.rho) : 0];
  }
  const worst = Math.min(...z);
  return worst < Z_VISIBLE ? `z ${worst.toFixed(2)}` : null;
}

/** Sign-change rate and median size (log units) of the epoch-to-epoch differences of a positive curve. */
export function swings(v: number[]): { flips: number; size: number } {
  const l = v,
    d = l.slice(1).map((x, i) => x - l[i]!);
  let f = 0;
  for (let i = 1; i < d.length; i++) if (d[i]! * d[i - 1]! < 0) f++;
  const a = d.map(Math.abs).sort((x, y) => x - y);
  return { flips: d.length > 1 ? f / (d.length - 1) : 0, size: a[Math.floor(a.length / 2)] ?? 0 };
}

const cut = (l: Levels, n: number): Levels => ({ ...l, clean: l.clean.slice(0, n), noisy: l.noisy.slice(0, n) });

/** One draw of a labelled curve's log-levels, early-stopped or not; null when its pattern is not visible. */
function draw(r: Rng, label: string) {
  const d = SHAPES[label]!(r);
  const n = Math.round(Math.exp(ln(8) + r.uniform() * (ln(2000) - ln(8))));
  const m = Math.max(2, Math.round(d.signal.span * n));
  const sdT = label === 'unstable' ? 0.02 * r.uniform() : readableNoise(r, d.signal.train, m, 0.04);
  const sdV = readableNoise(r, d.signal.val, m, 0.4);
  const steps = d.steps && r.uniform() < 0.3 && n >= 20 ? [Math.round(n * (0.1 + 0.45 * r.uniform()))] : [];
  const sw = d.swings?.(n);
  let lt = levels(r, n, d.train, sdT, sw?.train, steps);
  let lv = d.val ? levels(r, n, d.val, sdV, sw?.val, steps) : null;
  let notes = `${n} epochs, noise ${(100 * sdT).toFixed(1)}%/${(100 * sdV).toFixed(1)}%`;
  if (lv && (lt.rho || lv.rho)) notes += ` (lag-1 ${lt.rho.toFixed(2)}/${lv.rho.toFixed(2)})`;
  if (steps.length) notes += `, lr drop at epoch ${steps[0]! + 1}`;
  // Early stopping leaves `patience` epochs after the best validation epoch.
  if (d.truncate && lv && r.uniform() < 0.3) {
    const best = lv.noisy.indexOf(Math.min(...lv.noisy));
    const patience = Math.max(5, Math.round(n * (0.1 + 0.15 * r.uniform())));
    if (best + patience < n) {
      lt = cut(lt, best + patience + 1);
      lv = cut(lv, best + patience + 1);
      notes += `, early-stopped at epoch ${best + patience + 1} (patience ${patience})`;
    }
  }
  // The unstable shapes' defining trait is that the training loss swings around a level (its trend over the run is
  // at most a quarter of the swing): the rule for it is the one real runs' labels pass (confirm.ts), on the second
  // half of the kept training curve: its differences change sign at least 40% of the time and their median size
  // is at least 4% (a spiky swing series that drew one spike in a short run is a plateau with a spike, not a
  // swing). Diverged curves explode by 10^2.5 or more, visible by construction.
  const s = swings(lt.noisy.slice(Math.floor(lt.noisy.length / 2)));
  const why = label === 'unstable' ? (s.flips >= 0.4 && s.size >= 0.04 ? null : 'no swing') : invisible(label, lt, lv);
  return why ? null : { d, lt: lt.noisy, lv: lv?.noisy ?? null, notes };
}

/** One labelled synthetic curve: drawn until its pattern is visible under its noise (`invisible`). */
export function syntheticCurve(label: string, seed: number): LabelledCurve {
  const r = new Rng(seed);
  for (let tries = 1; tries <= 1000; tries++) {
    const x = draw(r, label);
    if (x) return finish(r, label, seed, x.d, x.lt, x.lv, `${x.notes}${tries > 1 ? `; draw ${tries}` : ''}`);
  }
  throw new Error(`synthetic.ts: no visible ${label} curve in 1000 draws of seed ${seed}`);
}

/** Scale, sign, train-only: from log-levels to the losses a log would show. */
function finish(r: Rng, label: string, seed: number, d: Drawn, lt: number[], lv: number[] | null, notes: string) {
  const scale = 10 ** (-6 + 10 * r.uniform());
  const valRatio = 10 ** (0.6 * r.uniform() - 0.3);
  let loss = lt.map((y) => scale * Math.exp(y)),
    val = lv?.map((y) => scale * valRatio * Math.exp(y)) ?? null;
  if (r.uniform() < 0.1 && label !== 'unstable') {
    // A loss with an arbitrary offset (a negative log-likelihood): the same shape, shifted below zero.
    const shift = (0.5 + r.uniform()) * Math.min(...loss);
    loss = loss.map((v) => v - shift);
    val = val?.map((v) => v - shift) ?? null;
    notes += ', shifted below zero';
  }
  const trainOnly = ['learning', 'plateau', 'architecture', 'unstable'].includes(label) && r.uniform() < 0.08;
  return {
    id: `${SYN}-${label}-${seed}`,
    label,
    source: 'synthetic',
    how: `${d.how}; ${notes}${trainOnly ? '; no validation curve' : ''}`,
    loss: round(loss),
    ...(trainOnly || !val ? {} : { val_loss: round(val) }),
  } satisfies LabelledCurve;
}

const round = (v: number[]) => v.map((x) => (Number.isFinite(x) ? Number(x.toPrecision(4)) : null));

/** A diverged curve: a normal start, then NaN/Inf, or an explosion up, or down into negative values. */
export function divergedCurve(seed: number): LabelledCurve {
  const r = new Rng(seed);
  const n = Math.round(Math.exp(ln(8) + r.uniform() * (ln(600) - ln(8))));
  const k = Math.max(2, Math.round(n * (0.2 + 0.7 * r.uniform())));
  const kind = r.int(3),
    scale = 10 ** (-4 + 7 * r.uniform());
  const base = (t: number) => scale * (0.3 + Math.exp(-t / Math.max(2, n / 5))) * Math.exp(0.03 * r.normal());
  const at = (t: number, vs: number) => {
    if (t < k) return base(t) * vs;
    if (kind === 0) return t === k && r.uniform() < 0.5 ? Infinity : NaN;
    const g = scale * 10 ** (2.5 + (1 + 5 * r.uniform()) * Math.min(1, (t - k) / 3));
    return kind === 1 ? g * vs : -g * vs;
  };
  const loss: number[] = [],
    val: number[] = [];
  for (let t = 0; t < n; t++) {
    loss.push(at(t, 1));
    val.push(at(t, 1.1));
  }
  return {
    id: `${SYN}-diverged-${seed}`,
    label: 'diverged',
    source: 'synthetic',
    how:
      `${n} epochs; from epoch ${k + 1} ` +
      `${['NaN/Inf', 'explodes upward', 'explodes downward (negative, no NaN)'][kind]}`,
    loss: round(loss),
    val_loss: round(val),
  };
}

export const SYNTHETIC_LABELS = [...Object.keys(SHAPES), 'diverged'];

/** `perLabel` curves of every label, seeds from `seed0`. */
export function syntheticCorpus(seed0: number, perLabel: number): LabelledCurve[] {
  const out: LabelledCurve[] = [];
  for (let k = 0; k < perLabel; k++)
    for (const [i, label] of SYNTHETIC_LABELS.entries()) {
      const seed = seed0 + 1000 * i + k;
      out.push(label === 'diverged' ? divergedCurve(seed) : syntheticCurve(label, seed));
    }
  return out;
}
