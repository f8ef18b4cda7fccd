// Ensembles of trials whose model outputs a sequence (horizon, targets) per window (an encoder-decoder: a
// time-distributed dense head), with the linear baseline as a member, whose output is a vector of horizon x targets:
// the same values, horizon-major, fused as one flat buffer (train/ensembles.ts Fusion). `study ensemble --linear`
// exited 1 with "ShapeError: fuseModels: member 3 predicts [N, 6] where member 1 predicts [N, 3, 2]", and export
// refused the folder.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticSeries } from '../../src/data/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-ensemble-seq-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const db = `sqlite:${join(dir, 'studies.db')}`;
const csv = join(dir, 'two.csv');
{
  const a = syntheticSeries({ length: 300, seed: 3 }),
    b = syntheticSeries({ length: 300, seed: 4, season: 12 });
  writeFileSync(csv, `a,b\n${Array.from(a, (v, i) => `${v.toFixed(4)},${b[i]!.toFixed(4)}`).join('\n')}\n`);
}
// scale: none, not relative: what predict prints is the models' output itself, which the fusion combines
writeFileSync(
  join(dir, 'seqout.yaml'),
  `name: seqout
data: {csv: two.csv, target: [a, b], lookback: 8, horizon: 3, scale: none, split: {train: 0.6, val: 0.2, test: 0.2}}
model:
  layers:
    - gru: {units: 4}
    - repeat_vector: {n: 3}
    - gru: {units: 4, return_sequences: true}
    - time_distributed: {dense: {units: 2}}
train: {epochs: 2, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
  strategy: grid
  jobs: 1
  storage: ${db}
  space:
    model.layers[0].gru.units: [3, 5]
`,
);
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(...p), 'utf8'));

/** predict's forecasts of a run folder over the CSV: one row of horizon x targets values per window. */
async function forecasts(runDir: string): Promise<number[][]> {
  const r = await runCli(['predict', runDir, '--csv', csv]);
  assert.equal(r.code, 0, r.err);
  const [head, ...rows] = r.out.trim().split('\n');
  assert.deepEqual(head!.split(',').slice(1), ['a_t+1', 'b_t+1', 'a_t+2', 'b_t+2', 'a_t+3', 'b_t+3']);
  return rows.map((l) => l.split(',').slice(1).map(Number));
}

test('study ensemble --linear fuses sequence-output trials with the ridge: every method, as its weights say', async () => {
  const tune = await runCli(['tune', join(dir, 'seqout.yaml')]);
  assert.equal(tune.code, 0, tune.err);
  for (const method of ['mean', 'weighted', 'blend', 'stacked']) {
    const out = join(dir, `ens-${method}`);
    const r = await runCli(
      ['study', 'ensemble', 'seqout', '--storage', db, '--top', '2', '--linear'].concat([
        '--method',
        method,
        '--out',
        out,
      ]),
    );
    assert.equal(r.code, 0, `${method}: ${r.err}`);
    const e = readJson(out, 'ensemble.json');
    assert.equal(e.members.length, 3);
    assert.equal(e.members[2].trial, null, 'the linear baseline is member 3');
    // the folder as written, and the fusion itself (its use forced: the members fused by the weights it fitted)
    const ev = await runCli(['evaluate', out, '--json']);
    assert.equal(ev.code, 0, ev.err);
    const near = (a: number, b: number) => Math.abs(a - b) <= 1e-5 * Math.abs(b);
    assert.ok(near(JSON.parse(ev.out).test.scaled.model.mse, e.test.ensemble.scaled.mse), method);
    const fused = join(dir, `fused-${method}`);
    cpSync(out, fused, { recursive: true });
    const use = { method, members: ['member-1', 'member-2', 'member-3'], weights: e.weights };
    writeFileSync(join(fused, 'ensemble.json'), JSON.stringify({ ...e, use }));
    const fev = await runCli(['evaluate', fused, '--json']);
    assert.equal(fev.code, 0, fev.err);
    assert.ok(near(JSON.parse(fev.out).test.scaled.model.mse, e.test.fusion.scaled.mse), method);
    // by hand from the members' own forecasts: value j of a window (step floor(j / 2), target j % 2) is the weighted
    // sum of the members' value j, the stacker's row for j (with its intercept) where it is stacked
    const each = await Promise.all(use.members.map((m) => forecasts(join(fused, m))));
    const got = await forecasts(fused);
    assert.equal(got.length, each[0]!.length);
    for (const [n, row] of got.entries())
      for (const [j, v] of row.entries()) {
        const w: number[] = method === 'stacked' ? e.weights[j % e.weights.length] : [0, ...(e.weights as number[])];
        const want = w[0]! + each.reduce((s, p, m) => s + w[m + 1]! * p[n]![j]!, 0);
        assert.ok(Math.abs(v - want) <= 1e-4 * Math.max(1, Math.abs(want)), `${method} [${n}][${j}] ${v} vs ${want}`);
      }
    // one ONNX graph, the linear member's output in the encoder-decoder's form (test/export/ensembles checks its
    // values)
    const ex = await runCli(['export', fused]);
    assert.equal(ex.code, 0, `${method}: ${ex.err}`);
    assert.ok(existsSync(join(fused, 'model.onnx')));
  }
});
