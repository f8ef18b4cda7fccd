// Trains every recipe (scripts/diagnose/recipes.ts) on the data sets in ../shared/datasets with a few seeds
// and writes the curves, labelled by the recipe, to a JSON file (default: a temporary file; corpus:make reads
// it). Run under nice:
//   node --import tsx scripts/diagnose/make-runs.ts [out.json] [seeds-per-set] [recipes] [first-seed]
import { writeFileSync } from 'node:fs';
import { DATA_SETS, RECIPES } from './recipes.js';
import { haveDatasets, trainConfig } from './train-config.js';

const out = process.argv[2] ?? 'runs.json';
const seeds = Number(process.argv[3] ?? 3);
const only = process.argv[4] || undefined;
const seed0 = Number(process.argv[5] ?? 1);
if (!haveDatasets()) {
  process.stderr.write('make-runs: ../shared/datasets not found; nothing to train\n');
  process.exit(2);
}
const r5 = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(5)) : null);
const runs = [];
for (const recipe of RECIPES.filter((r) => !only || only.split(',').includes(r.id)))
  for (const ds of DATA_SETS)
    for (let s = seed0; s < seed0 + seeds; s++) {
      const made = recipe.make(ds, s);
      if (!made) continue;
      const t0 = performance.now();
      const h = await trainConfig(made.config, made.extras);
      const id = `run-${recipe.id}-${ds.name}-${s}`;
      runs.push({
        id,
        label: recipe.label,
        source: 'run',
        how: `${recipe.how}; ${ds.name}, seed ${s}`,
        loss: h.loss.map(r5),
        val_loss: h.val_loss.map(r5),
      });
      process.stderr.write(`${id}: ${h.loss.length} epochs, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    }
writeFileSync(out, JSON.stringify(runs));
process.stderr.write(`wrote ${runs.length} runs to ${out}\n`);
