// The loss a naive baseline reaches on the validation windows, on the training loss's own scale (the scaled targets,
// relative to the last input step when data.relative is on, as the model trains): the reference the diagnosis holds
// a run's loss to (a run 100x above it blew up, whatever its curves' shape).
import type { RawConfig } from '../config/index.js';
import type { Scores } from '../data/index.js';

/** The best baseline's validation loss for an mse or mae loss (a huber loss has no such score): name and value. */
export function baselineLoss(
  cfg: RawConfig,
  metrics: { val?: { scaled?: Record<string, Scores> } },
): { name: string; loss: number } | undefined {
  const spelled = cfg.train?.loss ?? 'mse';
  const name =
    typeof spelled === 'string' ? spelled : 'className' in spelled ? spelled.className : Object.keys(spelled)[0];
  const key =
    name === 'mse' || name === 'mean_squared_error'
      ? 'mse'
      : name === 'mae' || name === 'mean_absolute_error'
        ? 'mae'
        : null;
  if (!key) return undefined;
  let best: { name: string; loss: number } | undefined;
  for (const [b, scores] of Object.entries(metrics.val?.scaled ?? {})) {
    const v = scores?.[key];
    if (b !== 'model' && v !== undefined && Number.isFinite(v) && (!best || v < best.loss)) best = { name: b, loss: v };
  }
  return best;
}
