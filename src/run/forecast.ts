// Forecasts over many windows a batch of origins at a time, with a turn of the event loop between batches, so that
// Ctrl-C and SIGTERM (handled on a turn: cli/main.ts) stop predict, evaluate and train's scoring of its splits.
import { turn, Windows } from '../data/index.js';
import type { Predictor } from '../train/index.js';

/**
 * Origins predict, evaluate and train's scoring forecast, or predict writes as CSV lines, between two turns of the
 * event loop: one call over every origin held a signal off to its end (17,085 origins of ETTh1 at lookback 336,
 * GRU(64), horizon 96: SIGTERM 4 s in, exit 6 s later; more under load).
 */
export const ORIGINS_AT_ONCE = 512;

/** The model's outputs for every window of w, ORIGINS_AT_ONCE at a time with a turn of the event loop between. */
export async function forecastWindows(model: Predictor, w: Windows): Promise<Float32Array> {
  const N = w.count;
  if (N <= ORIGINS_AT_ONCE) return model.predict(w.inputs()).data;
  let out: Float32Array | null = null;
  for (let a = 0; a < N; a += ORIGINS_AT_ONCE) {
    const b = Math.min(N, a + ORIGINS_AT_ONCE);
    const part = model.predict(
      new Windows(w.starts.subarray(a, b), w.lookback, w.horizon, w.series, w.relative).inputs(),
    );
    const per = part.data.length / (b - a);
    out ??= new Float32Array(N * per);
    out.set(part.data, a * per);
    await turn();
  }
  return out!;
}
