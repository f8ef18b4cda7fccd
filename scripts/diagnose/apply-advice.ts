// One piece of advice applied to a run's config as the tuner would (one config value), and the validation loss a
// run ends with: shared by eval-advice.ts and memorising.ts.
import type { RawConfig } from '../../src/config/index.js';
import type { Advice } from '../../src/diagnose/index.js';
import { applyParams } from '../../src/tune/index.js';

/** The config with one piece of advice applied; null when the advice is a check for people. */
export function withAdvice(cfg: RawConfig, a: Advice): RawConfig | null {
  if (a.param.startsWith('check.') || !a.values?.length) return null;
  const v = a.values[0];
  if (a.param === 'train.callbacks') {
    const c = structuredClone(cfg);
    c.train = { ...c.train!, callbacks: [...(c.train?.callbacks ?? []), v] } as RawConfig['train'];
    return c;
  }
  if (a.param === 'model.layers') return null;
  return applyParams(cfg, { [a.param]: v });
}

/** Validation loss of the model a run ends with: the best epoch's with restore_best_weights, else the last. */
export function endVal(h: { val_loss: number[] }, cfg: RawConfig): number {
  const restores = JSON.stringify(cfg.train?.callbacks ?? []).includes('"restore_best_weights":true');
  const v = h.val_loss;
  if (v.some((x) => !Number.isFinite(x))) return Infinity;
  return restores ? Math.min(...v) : v[v.length - 1]!;
}
