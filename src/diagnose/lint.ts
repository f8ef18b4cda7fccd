// A lint of configs before training, for the classic mistakes of copied Keras snippets.

export interface LintContext {
  trainWindows?: number;
  weights?: number;
  targets?: number;
}

/** Warnings for a config (snake_case, as in the YAML file). */
export function lintConfig(
  cfg: {
    train?: { metrics?: string[]; batch_size?: number; validation?: string; shuffle?: boolean };
    data?: { scale?: string; split?: unknown };
  },
  ctx: LintContext = {},
): string[] {
  const w: string[] = [];
  const m = cfg.train?.metrics ?? [];
  if (m.includes('acc') || m.includes('accuracy'))
    w.push(
      'train.metrics: "acc" measures exact equality of prediction and target; ' +
        'on a regression target it is meaningless. Use mae or rmse.',
    );
  if (
    ctx.trainWindows !== undefined &&
    cfg.train?.batch_size !== undefined &&
    cfg.train.batch_size > ctx.trainWindows
  ) {
    w.push(
      `train.batch_size: ${cfg.train.batch_size} is larger than the ${ctx.trainWindows} training windows; ` +
        'every epoch is a single step.',
    );
  }
  if (cfg.train?.validation === 'test')
    w.push(
      'train.validation: test: validating (and early stopping) on the test split lets the test data ' +
        'choose the model; scores come out optimistic. Use val.',
    );
  if (cfg.data?.scale === 'none')
    w.push(
      'data.scale: none: recurrent networks train badly on unscaled inputs; use standard or minmax ' +
        '(seqtune fits scalers on the training rows only, never on all data).',
    );
  if (ctx.weights !== undefined && ctx.targets !== undefined && ctx.weights > 10 * ctx.targets) {
    w.push(
      `the model has ${ctx.weights.toLocaleString('en-US')} weights for ${ctx.targets.toLocaleString('en-US')} ` +
        `training targets (${Math.round(ctx.weights / ctx.targets)}x); expect memorisation.`,
    );
  }
  return w;
}
