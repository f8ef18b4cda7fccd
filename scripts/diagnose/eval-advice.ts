// npm run eval:advice: does following the diagnosis help? For every pathological configuration (the
// fixable recipes of scripts/diagnose/recipes.ts on the data sets in ../shared/datasets, seeds not used in
// the corpus), train it, diagnose its curves with its config, apply the first advice the tuner could act on
// (one config value changed, as `auto` does), retrain, and count how often the validation loss of the model
// the run ends with improves. Run under nice: nice -n 10 npm run eval:advice [-- --seeds 2]
import { diagnose } from '../../src/diagnose/index.js';
import { endVal, withAdvice } from './apply-advice.js';
import { DATA_SETS, RECIPES } from './recipes.js';
import { haveDatasets, trainConfig } from './train-config.js';

const arg = (name: string, d: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const SEED0 = 11,
  seeds = arg('seeds', 2);

if (!haveDatasets()) {
  process.stderr.write('eval-advice: ../shared/datasets not found\n');
  process.exit(2);
}
const rows: string[] = [];
const tally: Record<string, { n: number; better: number }> = {};
for (const recipe of RECIPES.filter((r) => r.fixable))
  for (const ds of DATA_SETS)
    for (let s = SEED0; s < SEED0 + seeds; s++) {
      const made = recipe.make(ds, s);
      if (!made) continue;
      const before = await trainConfig(made.config, made.extras);
      const d = diagnose({ loss: before.loss, val_loss: before.val_loss }, { config: before.cfg });
      const advice = d.advice.map((a) => ({ a, cfg: withAdvice(before.cfg, a) })).find((x) => x.cfg);
      tally[recipe.label] ??= { n: 0, better: 0 };
      const t = tally[recipe.label]!;
      if (!advice) {
        rows.push(`| ${recipe.id} | ${ds.name} ${s} | ${d.pattern} | (no actionable advice) | | | no |`);
        t.n++;
        continue;
      }
      const after = await trainConfig(advice.cfg!, made.extras);
      const b = endVal(before, before.cfg),
        a = endVal(after, advice.cfg!);
      const better = a < b;
      t.n++;
      if (better) t.better++;
      const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(4) : 'NaN/Inf');
      rows.push(
        `| ${recipe.id} | ${ds.name} ${s} | ${d.pattern} | ` +
          `${advice.a.param} = ${JSON.stringify(advice.a.values![0])} | ` +
          `${fmt(b)} | ${fmt(a)} | ${better ? 'yes' : 'no'} |`,
      );
      process.stderr.write(`${rows[rows.length - 1]}\n`);
    }
const total = Object.values(tally).reduce((x, y) => ({ n: x.n + y.n, better: x.better + y.better }), {
  n: 0,
  better: 0,
});
process.stdout.write(
  [
    '| recipe | data, seed | diagnosis | first advice applied | val before | val after | better |',
    '|---|---|---|---|---:|---:|---|',
    ...rows,
    '',
    '| pathology (by construction) | configs | improved |',
    '|---|---:|---:|',
    ...Object.entries(tally).map(
      ([k, v]) => `| ${k} | ${v.n} | ${v.better} (${((100 * v.better) / v.n).toFixed(0)}%) |`,
    ),
    `| **all** | ${total.n} | ${total.better} (${((100 * total.better) / total.n).toFixed(0)}%) |`,
    '',
  ].join('\n'),
);
