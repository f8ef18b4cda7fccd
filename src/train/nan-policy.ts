// What a training step does when its loss or its gradient norm is not finite (NaN or infinite): the policy
// `train.on_nan` (config) or `compile({ onNan })` (TypeScript) names. The step never applies such a gradient
// under `stop` or `skip_batch`, so the weights stay the last finite ones.

/**
 * `stop` (default): end the run as diverged, keeping the weights of the last finite step; `skip_batch`: leave
 * that batch's update out and go on; `continue`: apply the update anyway (clipping still writes no NaN).
 */
export type NanPolicy = 'stop' | 'skip_batch' | 'continue';
export const NAN_POLICIES: readonly NanPolicy[] = ['stop', 'skip_batch', 'continue'];

/** Why a run stopped under `stop`: `diverged at epoch 3, batch 7: loss NaN, gradient norm Infinity; ...`. */
export function divergedReason(epoch: number, batch: number, loss: number, norm: number): string {
  return (
    `diverged at epoch ${epoch + 1}, batch ${batch + 1}: loss ${loss}, gradient norm ${norm}; ` +
    'stopped with the weights of the last finite step (train.on_nan: stop)'
  );
}

/** The warning after a fit that left batches out under `skip_batch`. */
export function skippedWarning(skipped: number, steps: number): string {
  return (
    `skipped ${skipped} of ${steps} batch${steps === 1 ? '' : 'es'} whose loss or gradient norm was not finite ` +
    '(train.on_nan: skip_batch)'
  );
}
