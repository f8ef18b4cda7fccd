// Synthetic series seqtune ships for its demo and tests: a daily-like seasonal pattern plus a
// weekly one, a slow trend and noise, from a seed (so every run of the demo sees the same data).
import { Rng } from '../nn/random.js';

export interface SyntheticOptions {
  length?: number;
  season?: number;
  season2?: number;
  trend?: number;
  noise?: number;
  seed?: number;
}

/** y_t = 10 + trend*t + 3 sin(2 pi t / season) + 1.5 sin(2 pi t / season2 + 1) + noise*N(0,1) + an AR(1) wander. */
export function syntheticSeries(o: SyntheticOptions = {}): Float32Array {
  const n = o.length ?? 2400,
    s1 = o.season ?? 24,
    s2 = o.season2 ?? 168,
    trend = o.trend ?? 0.002,
    noise = o.noise ?? 0.3;
  const rng = new Rng(o.seed ?? 7);
  const out = new Float32Array(n);
  let ar = 0;
  for (let t = 0; t < n; t++) {
    ar = 0.9 * ar + 0.2 * rng.normal();
    out[t] =
      10 +
      trend * t +
      3 * Math.sin((2 * Math.PI * t) / s1) +
      1.5 * Math.sin((2 * Math.PI * t) / s2 + 1) +
      ar +
      noise * rng.normal();
  }
  return out;
}

/** The synthetic series as CSV text with a time column (hours from 2024-01-01) and the value. */
export function syntheticCsv(o: SyntheticOptions = {}): string {
  const y = syntheticSeries(o);
  const start = Date.UTC(2024, 0, 1);
  const lines = ['time,value'];
  for (const [t, v] of y.entries()) {
    lines.push(`${new Date(start + t * 3600e3).toISOString().slice(0, 16).replace('T', ' ')},${v.toFixed(4)}`);
  }
  return `${lines.join('\n')}\n`;
}
