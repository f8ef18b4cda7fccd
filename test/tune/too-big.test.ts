// Trials that cannot fit in engine memory are never started, whatever the strategy (too-big.ts): a grid or random
// trial whose steps need more than the 4 GiB was started and refused by fit at once, spending a trial.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { runStudy } from '../../src/tune/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-too-big-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'wide.csv'), syntheticCsv({ length: 5000, seed: 3 }));

/** Lookback 2000, batch 200: GRU(256)'s steps need 5,283 MiB, GRU(4)'s a few. */
function wideConfig(name: string, tune: string): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `name: ${name}
data: {csv: wide.csv, target: value, lookback: 2000, split: {train: 0.6, val: 0.3, test: 0.1}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 200}
evaluate: {baselines: [persistence]}  # no ridge over 2,000 inputs: what is tested is the memory check
tune:
  jobs: 1
  storage: sqlite:${join(dir, `${name}.db`)}
${tune}`,
  );
  return f;
}

test('a grid point that cannot fit is not started, said in one line, and spends no trial of the budget', async () => {
  const f = wideConfig('grid', '  strategy: grid\n  trials: 1\n  space:\n    model.layers[0].gru.units: [256, 4]\n');
  const lines: string[] = [];
  const r = await runStudy(await loadConfig(f), { log: (l) => lines.push(l), saveBest: false });
  const [big, small] = r.trials;
  assert.equal(r.trials.length, 2);
  assert.equal(big!.state, 'failed');
  assert.deepEqual(big!.params, { 'model.layers[0].gru.units': 256 });
  assert.equal(big!.intermediate.length, 0);
  assert.equal(big!.attrs.not_started, 'memory');
  assert.match(big!.error!, /^not started: its training steps need \d+ MiB, more than the 4096 MiB of engine memory/);
  assert.equal(small!.state, 'complete', 'the trial budget of 1 went to the point that fits');
  assert.equal(r.stopReason, 'trial budget spent');
  assert.match(
    lines.join('\n'),
    /^trial 0 not started: its training steps need \d+ MiB, .*\{"model\.layers\[0\]\.gru\.units":256\}$/m,
  );
});

test('a grid whose every point cannot fit ends with a clear error, exit 2, and starts nothing', async () => {
  const f = wideConfig('none', '  strategy: grid\n  space:\n    model.layers[0].gru.units: [256, 320]\n');
  const r = await runCli(['tune', f]);
  assert.equal(r.code, 2, r.out + r.err);
  assert.match(
    r.err,
    new RegExp(
      /study none: no trial started: the training steps of each of its 2 configurations need more than /.source +
        /the 4096 MiB of engine memory \(the smallest \d+ MiB\)/.source,
    ),
  );
  assert.doesNotMatch(r.out, /complete/);
});
