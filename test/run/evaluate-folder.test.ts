// seqtune evaluate (and predict) on a run folder whose files were damaged or whose data changed: one line naming the
// file and key, exit 2, and the folder left as it was.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-evaluate-folder-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const csv = join(dir, 'wave.csv');
const rows = (f: (i: number) => number) => Array.from({ length: 200 }, (_, i) => `${i},${f(i)}`).join('\n');
writeFileSync(csv, `t,y\n${rows((i) => -1000 + 50 * Math.sin(i / 5))}\n`);
writeFileSync(
  join(dir, 'c.yaml'),
  `name: wave
data: {csv: wave.csv, drop: [t], target: y, lookback: 6, horizon: 2}
model: {layers: [{gru: {units: 4}}, {dense: {units: 2}}]}
train: {epochs: 1, batch_size: 64}
evaluate: {baselines: [persistence, {seasonal_naive: {season: 5}}, mean]}
`,
);
const run = join(dir, 'run');
const trained = runCli(['train', join(dir, 'c.yaml'), '--out', run, '--quiet']);

/** Every file of a folder with its content's hash. */
function contents(folder: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out[p.slice(folder.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(folder);
  return out;
}

/** Damage that changes the copy's model/data.json as `change` does. */
type SavedJson = { data: Record<string, unknown>; csvPath: string; scaler: { scale: number[] } };
const editData = (change: (j: SavedJson) => void) => (copy: string) => {
  const f = join(copy, 'model', 'data.json');
  const j = JSON.parse(readFileSync(f, 'utf8'));
  change(j);
  writeFileSync(f, JSON.stringify(j));
};

let copies = 0;
/** A copy of the trained run with `damage` done to it, evaluated: exit code, stderr, and whether a file changed. */
async function evaluateDamaged(damage: (copy: string) => void, args: string[] = []) {
  assert.equal((await trained).code, 0, (await trained).err);
  const copy = join(dir, `copy${copies++}`);
  cpSync(run, copy, { recursive: true });
  damage(copy);
  const before = contents(copy);
  const r = await runCli(['evaluate', copy, ...args]);
  assert.deepEqual(contents(copy), before, 'evaluate changes nothing in the folder');
  return r;
}

test('a model/data.json of valid JSON but another shape: exit 2 naming the file and key, not a TypeError (exit 1)', async () => {
  for (const [text, key] of [
    ['{}', "data: expected the run's data: section, found nothing"],
    ['[]', '\\(the whole file\\): expected an object'],
    ['null', '\\(the whole file\\): expected an object'],
  ] as const) {
    const r = await evaluateDamaged((c) => writeFileSync(join(c, 'model', 'data.json'), text));
    assert.equal(r.code, 2, `${text}: ${r.err}`);
    assert.match(r.err, new RegExp(`^seqtune: \\S+/model/data\\.json: ${key}`), text);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const r = await evaluateDamaged(
    editData((j) => {
      j.scaler.scale = [1, 2, 3];
    }),
  );
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /data\.json: scaler\.scale: expected one number per column of scaler\.columns \(1\), found \[1,2,3\]/,
  );
});

test("a config.yaml that is not a valid config: exit 2 naming it, not the default baselines in the run's stead", async () => {
  const bad = await evaluateDamaged((c) => writeFileSync(join(c, 'config.yaml'), 'data: [unclosed\n'));
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /^seqtune: \S+\/config\.yaml:\d+:\d+: invalid YAML/);
  const wrong = await evaluateDamaged((c) => {
    const f = join(c, 'config.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/baselines:\n(\s+- .*\n|\s+\S.*\n)*/, 'baselines: [foo]\n'));
  });
  assert.equal(wrong.code, 2, wrong.err);
  assert.match(wrong.err, /config\.yaml: evaluate\.baselines\[0\]: expected persistence, mean, linear/);
  // no config.yaml at all (an older run folder) still scores the default baselines
  const none = await evaluateDamaged((c) => rmSync(join(c, 'config.yaml')), ['--json']);
  assert.equal(none.code, 0, none.err);
  assert.deepEqual(Object.keys(JSON.parse(none.out).test.scaled), ['model', 'persistence', 'mean', 'linear']);
});

test('a config.yaml an older seqtune wrote, with a key this version refuses: evaluate reads its baselines and scores', async () => {
  // `drop: [t, t]` was taken before columns had to be named once (a163415); the whole file was checked against this
  // version's schema, and evaluate of such a run was exit 2 while predict and export read it
  const older = await evaluateDamaged(
    (c) => {
      const f = join(c, 'config.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/ {2}drop:\n {4}- t\n/, '  drop: [t, t]\n'));
    },
    ['--json'],
  );
  assert.equal(older.code, 0, older.err);
  const keys = Object.keys(JSON.parse(older.out).test.scaled);
  assert.deepEqual(keys, ['model', 'persistence', 'seasonal_naive', 'mean']);
});

test('training rows whose spread changed while their mean did not: exit 2, not scores on rows scaled otherwise', async () => {
  const r = await evaluateDamaged(
    editData((j) => {
      const moved = join(dir, 'moved.csv');
      // two training values moved by +30 and -30: the mean (a standard scaler's centre) is the same, the spread is not
      const lines = readFileSync(csv, 'utf8').split('\n');
      for (const [row, by] of [
        [12, 30],
        [22, -30],
      ] as const) {
        const [t, y] = lines[row]!.split(',');
        lines[row] = `${t},${Number(y) + by}`;
      }
      writeFileSync(moved, lines.join('\n'));
      j.csvPath = moved;
    }),
  );
  assert.equal(r.code, 2, r.err);
  // the column and both statistics named: it said "their scaler statistics differ" and no more
  assert.match(
    r.err,
    new RegExp(
      'moved\\.csv: the training rows changed since the run was trained \\(column y: expected centre -?[\\d.]+ and ' +
        'scale [\\d.]+ \\(model/data\\.json\\), found centre -?[\\d.]+ and scale [\\d.]+\\); ' +
        'evaluate needs the same data\n$',
    ),
  );
});

test('a data.json that disagrees with the model beside it: exit 2 naming the key, not a ShapeError or scores of another horizon', async () => {
  const lookback = await evaluateDamaged(
    editData((j) => {
      j.data.lookback = 4;
    }),
  );
  assert.equal(lookback.code, 2, lookback.err);
  assert.match(
    lookback.err,
    /data\.json: data\.lookback: the model in model\.json reads windows of 6 steps, found 4\n$/,
  );
  // another horizon was scored, exit 0, each window's outputs read as another window's
  const horizon = await evaluateDamaged(
    editData((j) => {
      j.data.horizon = 1;
    }),
  );
  assert.equal(horizon.code, 2, horizon.err);
  assert.ok(
    horizon.err.endsWith(
      'data.json: data.horizon x targets: the model in model.json outputs 2 values a window, ' +
        'found horizon 1 x 1 target (y) = 1\n',
    ),
    horizon.err,
  );
});

test('a run whose target is categorical (trained before a163415 refused it): predict, evaluate and export refuse it alike', async () => {
  // such a run regressed on the target's category codes; predict and evaluate were refused blaming the CSV
  // ('wave.csv: data.target "y" is categorical') while export wrote an ONNX file, exit 0
  const older = editData((j) => {
    j.data.categorical = { y: 'label' };
  });
  const copy = join(dir, `copy${copies++}`);
  assert.equal((await trained).code, 0, (await trained).err);
  cpSync(run, copy, { recursive: true });
  older(copy);
  const before = contents(copy);
  for (const args of [
    ['evaluate', copy],
    ['predict', copy, '--csv', csv],
    ['export', copy],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(
      r.err,
      /model\/data\.json: data\.target "y" is categorical \(data\.categorical: label\): the run forecasts its category/,
      args[0],
    );
  }
  assert.deepEqual(contents(copy), before, 'nothing is written in the folder');
});

test('an ensemble folder an older seqtune wrote (no format, before 91140e9): predict, evaluate and export say so', async () => {
  // ensemble.json as study ensemble wrote it at 1efc38f: its members' weights without their data description, which
  // that seqtune could not forecast with either; this one said 'format: expected "seqtune-ensemble", found undefined'
  const ens = join(dir, 'ensemble-1efc38f');
  cpSync(join(import.meta.dirname, '..', 'fixtures', 'older', 'ensemble-1efc38f'), ens, { recursive: true });
  const before = contents(ens);
  for (const args of [
    ['evaluate', ens],
    ['predict', ens, '--csv', csv],
    ['export', ens],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args[0]}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /ensemble-1efc38f\/ensemble\.json: an ensemble an older seqtune wrote .*cannot be predicted/);
    assert.match(r.err, /make it again with this seqtune \(seqtune study ensemble air-1efc38f, /, args[0]);
  }
  assert.deepEqual(contents(ens), before, 'nothing is written in the folder');
});
