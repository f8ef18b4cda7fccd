// The loss the naive baselines reach on the validation windows, on the training loss's own scale (the scaled targets,
// relative to the last input step when data.relative is on, as the model trains): the reference the diagnosis holds
// a run's loss to (a run 100x above the worst of them blew up, whatever its curves' shape). Naive only, and the
// worst of them: a smooth series' linear model (or persistence) can be 1000x better than a healthy network that has
// trained two epochs, while no working network stays 100x behind the training mean. So the training mean must be
// among them: persistence or a seasonal naive alone (evaluate.baselines: [{seasonal_naive: {season: 24}}]) sat 100x
// below a GRU's first epoch on a seasonal series, and that healthy run was reported diverged, exit 1.
import type { RawConfig } from '../config/index.js';
import type { Scores } from '../data/index.js';
import { getLoss, type LossLike } from '../nn/index.js';

/** The naive baselines' scores: persistence, the training mean, and seasonal naive of any season (baselineName). */
const NAIVE = /^(persistence|mean|seasonal_naive(_\d+)?)$/;

/**
 * The worst naive baseline's validation loss for an mse or mae loss (a huber loss has none), when the training mean
 * is among them: name and value.
 */
export function baselineLoss(
  cfg: RawConfig,
  metrics: { val?: { scaled?: Record<string, Scores> } },
): { name: string; loss: number } | undefined {
  // the loss registry's canonical name, whichever spelling the config used (mean_squared_error, {mse: null}, ...)
  const key = getLoss((cfg.train?.loss ?? 'mse') as LossLike).config.className;
  if (key !== 'mse' && key !== 'mae') return undefined;
  const scaled = metrics.val?.scaled ?? {};
  if (!scaled.mean) return undefined;
  let worst: { name: string; loss: number } | undefined;
  for (const [b, scores] of Object.entries(scaled)) {
    const v = scores?.[key];
    if (NAIVE.test(b) && v !== undefined && Number.isFinite(v) && (!worst || v > worst.loss))
      worst = { name: b, loss: v };
  }
  return worst;
}
