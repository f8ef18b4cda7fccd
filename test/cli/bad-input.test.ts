// Bad inputs each give one clear line on stderr and exit code 2, and leave no run folder behind.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

const good = (over: Record<string, string> = {}) => {
  const v = {
    csv: 'data.csv',
    target: 'y',
    lookback: '4',
    layer: 'gru: {units: 4}',
    optimizer: '{adam: {learning_rate: 0.01}}',
    ...over,
  };
  return (
    `data:\n  csv: ${v.csv}\n  target: ${v.target}\n  lookback: ${v.lookback}\n` +
    `model:\n  layers:\n    - ${v.layer}\n    - dense: {units: 1}\n` +
    `train:\n  epochs: 1\n  optimizer: ${v.optimizer}\n`
  );
};
let n = 0;
function setup(config: string, csv?: string): { cfg: string; out: string } {
  const d = join(dir, `case${n++}`);
  mkdirSync(d, { recursive: true });
  if (csv !== undefined) writeFileSync(join(d, 'data.csv'), csv);
  writeFileSync(join(d, 'c.yaml'), config);
  return { cfg: join(d, 'c.yaml'), out: join(d, 'run') };
}
const numbers = `y\n${Array.from({ length: 40 }, (_, i) => Math.sin(i / 3).toFixed(4)).join('\n')}\n`;
const windRows = Array.from({ length: 40 }, (_, i) => `${Math.sin(i / 3).toFixed(4)},${'NS'[i % 2]}`);
const windy = `y,wind\n${windRows.join('\n')}\n`;

const cases: [string, string, string | undefined, RegExp][] = [
  ['a missing file', good({ csv: 'nope.csv' }), undefined, /nope.csv: cannot read the CSV file \(no such file\)/],
  ['an empty file', good(), '', /data.csv: the file is empty; expected a header row and data rows/],
  ['a header only', good(), 'y\n', /data.csv: only a header \(y\); expected data rows after it/],
  [
    'a missing target column',
    good({ target: 'pm25' }),
    numbers,
    /data.target names column "pm25", which is not in the header \(y\)$/m,
  ],
  [
    'a target column named with the wrong case',
    good({ target: 'Y' }),
    numbers,
    /data.target names column "Y", which is not in the header \(y\); did you mean "y"\? \(column names are case/,
  ],
  [
    'a non-numeric cell',
    good(),
    numbers.replace('\n0.3272', '\nhello'),
    /data.csv: row 2, column "y": expected a number, found "hello"/,
  ],
  [
    'NA under the error policy',
    good(),
    numbers.replace('\n0.3272', '\nNA'),
    /data.csv: 1 missing value \(empty or one of [^)]*\), first at row 2 column "y"; set data.missing/,
  ],
  [
    'a series shorter than lookback + horizon',
    good({ lookback: '50' }),
    numbers,
    /40 usable rows, but one window needs lookback 50 \+ horizon 1 = 51/,
  ],
  [
    'an unknown layer',
    good({ layer: 'grux: {units: 4}' }),
    numbers,
    /c.yaml: model.layers\[0\].grux: unknown layer "grux"; expected one of gru, lstm/,
  ],
  [
    'an unknown optimizer',
    good({ optimizer: '{adamax: {learning_rate: 0.01}}' }),
    numbers,
    /c.yaml: train.optimizer.adamax: unknown optimizer "adamax"; expected one of sgd, adam, adamw, rmsprop, adagrad/,
  ],
  [
    'a negative learning rate',
    good({ optimizer: '{adam: {learning_rate: -0.001}}' }),
    numbers,
    /c.yaml: train.optimizer.adam.learning_rate: expected a positive number, received -0.001/,
  ],
  [
    'units that are not a number',
    good({ layer: 'gru: {units: big}' }),
    numbers,
    /c.yaml: model.layers\[0\].gru.units: expected a positive integer, received "big"/,
  ],
  [
    'an output width that does not fit the horizon',
    good().replace('dense: {units: 1}', 'dense: {units: 3}'),
    numbers,
    /model.layers\[1\].dense: the model outputs 3 values per window; expected 1 \(horizon 1 x 1 target\)/,
  ],
  [
    'one output for a horizon of 2',
    good({ lookback: '4\n  horizon: 2' }),
    numbers,
    /model.layers\[1\].dense: the model outputs 1 value per window; expected 2 \(horizon 2 x 1 target\)/,
  ],
  [
    'layers that do not fit together (was a ShapeError, exit 1)',
    good({ layer: 'flatten: {}\n    - gru: {units: 2}' }),
    numbers,
    /c.yaml: model.layers\[1\].gru: GRU needs a sequence input \(T, F\), received a vector of 4\n/,
  ],
  [
    'layers inside model.linear_skip that do not fit together (was a ShapeError, exit 1, "a bug in seqtune")',
    good({ layer: 'flatten: {}\n    - gru: {units: 2}' }).replace('model:\n', 'model:\n  linear_skip: true\n'),
    numbers,
    /c.yaml: model.layers\[1\].gru: GRU needs a sequence input \(T, F\), received a vector of 4\n/,
  ],
  [
    'a linear skip over layers that end in a sequence (was named model.layers[0].gru)',
    good({ layer: 'gru: {units: 2, return_sequences: true}' })
      .replace('model:\n', 'model:\n  linear_skip: true\n')
      .replace('    - dense: {units: 1}\n', '    - time_distributed: {dense: {units: 1}}\n'),
    numbers,
    /c.yaml: model.linear_skip: a linear skip needs layers that end in a vector .*, received a sequence \(4, 1\)\n/,
  ],
  [
    'an activity regularizer inside model.linear_skip (was named gru_1 and linearSkip, neither written in the config)',
    good({ layer: 'bidirectional: {gru: {units: 2, activity_regularizer: {l2: 0.1}}}' }).replace(
      'model:\n',
      'model:\n  linear_skip: true\n',
    ),
    numbers,
    /c.yaml: model.layers\[0\].bidirectional.gru.activity_regularizer: a layer inside model.linear_skip cannot have/,
  ],
  [
    'a label-encoded categorical target (it trained a regression on the category codes, exit 0)',
    good({ target: 'wind\n  categorical: {wind: label}' }),
    windy,
    /data.csv: data.target "wind" is categorical; the target must be numeric\n/,
  ],
  [
    'a column named twice in data.features (it fed the model the column twice)',
    good({ lookback: '4\n  features: [y, y]' }),
    numbers,
    /c.yaml: data.features\[1\]: "y" is already named at \[0\]; name each column once\n/,
  ],
  [
    'a target named twice (it forecast the column twice)',
    good({ target: '[y, y]' }),
    numbers,
    /c.yaml: data.target\[1\]: "y" is already named at \[0\]; name each column once\n/,
  ],
  [
    'a seasonal naive season longer than the rows before the validation windows (its scores were NaN)',
    `${good()}evaluate:\n  baselines: [mean, {seasonal_naive: {season: 100}}]\n`,
    numbers,
    /c.yaml: evaluate.baselines\[1\].seasonal_naive.season: expected at most \d+, the rows before .*, received 100\n/,
  ],
  [
    'a linear baseline lookback that leaves it no training window (its fit threw after training, exit 1)',
    `${good()}evaluate:\n  baselines: [{linear: {lookback: 100}}]\n`,
    numbers,
    /c.yaml: evaluate.baselines\[0\].linear.lookback: expected at most \d+, the rows before .*, received 100\n/,
  ],
  [
    'a name that is a path out of runs/ (it wrote the run folder there)',
    `name: ../../elsewhere\n${good()}`,
    numbers,
    new RegExp(
      String.raw`c.yaml: name: expected a name without / or \\ \(it names the run folder and the study\), ` +
        String.raw`received "\.\./\.\./elsewhere"\n`,
    ),
  ],
  [
    'relative windows of one step (every input 0)',
    good({ lookback: '1\n  relative: true' }),
    numbers,
    /data.csv: data.relative: with lookback 1 every input is 0 \(a window is taken minus its own last step\)/,
  ],
  [
    'split fractions that do not add up to 1',
    good({ lookback: '4\n  split: {train: 0.7, val: 0.2, test: 0.2}' }),
    numbers,
    /c.yaml: data.split: fractions must add up to 1, received 0.7 \+ 0.2 \+ 0.2 = 1.1\n/, // the config, not the CSV
  ],
  [
    'a misspelt section',
    `${good()}trian: {epochs: 2}\n`,
    numbers,
    /c.yaml: trian: unknown key \(did you mean "train"\?\)\n/,
  ],
  [
    'a misspelt key',
    good({ lookback: '4\n  lookbak: 3' }),
    numbers,
    /c.yaml: data.lookbak: unknown key \(did you mean "lookback"\?\)\n/,
  ],
  [
    'a name that is not text',
    `name: 5\n${good()}`,
    numbers,
    /c.yaml: name: expected a name as text, such as my-forecast, received 5\n/,
  ],
  [
    'a misspelt schedule option (it was reported as t_max missing)',
    good().replace('  epochs: 1\n', '  epochs: 1\n  schedule: {cosine: {tmax: 3}}\n'),
    numbers,
    /c.yaml: train.schedule.cosine.tmax: unknown key \(did you mean "t_max"\?\)\n/,
  ],
  [
    'a misspelt required key (it was reported as the key missing)',
    good().replace('  lookback: 4\n', '  lookbak: 4\n'),
    numbers,
    /c.yaml: data.lookbak: unknown key \(did you mean "lookback"\?\)\n/,
  ],
  [
    'an unknown NaN policy',
    good().replace('  epochs: 1\n', '  epochs: 1\n  on_nan: skip\n'),
    numbers,
    /c.yaml: train.on_nan: expected stop, skip_batch or continue, received "skip"\n/,
  ],
  [
    'a callback watching a value no epoch logs (was a ValueError mid-training)',
    good().replace('  epochs: 1\n', '  epochs: 1\n  callbacks: [{early_stopping: {monitor: val_lss}}]\n'),
    numbers,
    /callbacks\[0\].early_stopping.monitor: expected a value every epoch logs \(val_loss, .*, lr\), .*"val_loss"/,
  ],
];

for (const [what, config, csv, msg] of cases) {
  test(`seqtune train with ${what}: exit 2, one line naming the problem, no run folder`, async () => {
    const { cfg, out } = setup(config, csv);
    const r = await run(['train', cfg, '--out', out, '--quiet']);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, msg);
    assert.equal(r.err.trim().split('\n').length, 1, `one line, got: ${r.err}`);
    assert.equal(existsSync(out), false);
    assert.deepEqual(
      readdirSync(join(out, '..')).filter((f) => f.includes('partial')),
      [],
    );
  });
}

test('a first layer that takes no input shape (dropout) trains (it was a TypeError, exit 1)', async () => {
  const { cfg, out } = setup(good({ layer: 'dropout: {rate: 0.1}\n    - gru: {units: 2}' }), numbers);
  const r = await run(['train', cfg, '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.err);
  assert.ok(existsSync(join(out, 'model', 'model.json')));
});

test('usage errors and a missing config exit 2', async () => {
  assert.equal((await run(['train'])).code, 2);
  const r = await run(['train', join(dir, 'none.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /none.yaml: cannot read the config file \(no such file\)/);
  const y = setup('data: [unclosed');
  const bad = (await run(['train', y.cfg])).err;
  assert.match(bad, /c.yaml:1:\d+: invalid YAML/);
  assert.doesNotMatch(bad, /at line \d+, column \d+/, 'the position once, at the front');
  const empty = setup('');
  assert.match((await run(['train', empty.cfg])).err, /c.yaml: the file is empty; expected data: and model: sections/);
});

test('a CSV given as the config: one short line that names the command writing a config for it, exit 2', async () => {
  // YAML reads a CSV as one long text: the message once held the whole file.
  const csv = join(dir, 'meter.csv');
  writeFileSync(
    csv,
    `time,load\n${Array.from({ length: 500 }, (_, i) => `2024-01-01T${i % 24}:00,${i}`).join('\n')}\n`,
  );
  for (const cmd of ['train', 'check', 'tune']) {
    const r = await run([cmd, csv]);
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      /meter\.csv: expected a config, a mapping with data:, model: and train: sections, received "time,load /,
    );
    assert.match(
      r.err,
      /\.\.\.; this looks like a CSV: write a config that reads it with seqtune init my\.yaml --csv .*meter\.csv\n$/,
    );
    assert.ok(r.err.length < 400, `${r.err.length} characters: ${r.err.slice(0, 200)}`);
  }
  const list = setup('- data\n- model\n');
  const r = await run(['train', list.cfg]);
  assert.equal(r.code, 2);
  assert.match(
    r.err,
    /c\.yaml: expected a config, a mapping with data:, model: and train: sections, received \["data","model"\]\n$/,
  );
});

test('a binary file given as the config is called a file that is not text, not a CSV: exit 2', async () => {
  // read as one long YAML string with a comma in its first line: 'this looks like a CSV: write a config ... init'
  const bin = join(dir, 'model.bin');
  writeFileSync(bin, Buffer.from([0x4a, 0x2c, 0x42, 0x1b, 0x77, 0x2c, 0x44, 0x19, 0x7c, 0x7a, 0x16, 0x12, 0x66]));
  for (const cmd of ['train', 'check']) {
    const r = await run([cmd, bin]);
    assert.equal(r.code, 2, r.err);
    assert.match(
      r.err,
      /model\.bin: expected a YAML config, found a file that is not text \(the control character U\+001B at line 1, /,
    );
    assert.doesNotMatch(r.err, /CSV/);
  }
  const utf16 = join(dir, 'utf16.yaml');
  writeFileSync(utf16, Buffer.from('data: {csv: a.csv}\n', 'utf16le'));
  assert.match(
    (await run(['check', utf16])).err,
    /U\+0000 at line 1, column 2\): a binary file, or text saved as UTF-16/,
  );
});

test('predict and evaluate given a config or a folder of runs: exit 2, what was expected and found, the runs inside', async () => {
  // these read model/model.json below the path given: 'c.yaml/model/model.json: cannot read (ENOTDIR)' said no more
  const { cfg } = setup(good(), numbers);
  const study = join(dir, 'runs-of-a-study');
  for (const t of ['trial-0', 'trial-1', 'trial-10', 'trial-2']) {
    mkdirSync(join(study, t, 'model'), { recursive: true });
    writeFileSync(join(study, t, 'model', 'model.json'), '{}');
  }
  mkdirSync(join(study, 'notes'));
  const cases: [string[], RegExp][] = [
    [['evaluate', cfg], /c\.yaml: expected a run folder, found a file\n$/],
    [['predict', cfg, '--csv', cfg], /c\.yaml: expected a run folder, found a file\n$/],
    [['evaluate', join(dir, 'absent')], /absent: expected a run folder, found nothing\n$/],
    [
      ['predict', study, '--csv', cfg],
      new RegExp(
        'runs-of-a-study: expected a trained run with model/model\\.json \\(or an ensemble\\.json\\), found no ' +
          'model; the run folders in it: trial-0, trial-1, trial-10, \\.\\.\\. \\(4\\)\n$',
      ),
    ],
  ];
  for (const [args, msg] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, msg);
  }
});

test('an existing run folder is never overwritten', async () => {
  const { cfg, out } = setup(good(), numbers);
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  const r = await run(['train', cfg, '--out', out, '--quiet']);
  assert.equal(r.code, 2);
  assert.match(r.err, /already exists; seqtune does not overwrite a run folder/);
  assert.deepEqual(readdirSync(out), ['keep.txt']);
});

test("train judges its run folder's place before it reads the CSV: a folder taken, one below a file", async () => {
  // both were told after the CSV was read and prepared (3.5 s and 15 s for 400,000 rows): 'already exists ...' and
  // 'afile: exists, and is not a folder (EEXIST)'; here the CSV is not there, and what is said is --out's
  const { cfg, out } = setup(good({ csv: 'nope.csv' }));
  mkdirSync(out);
  writeFileSync(join(out, 'keep.txt'), 'mine');
  const below = join(cfg, 'run');
  for (const [to, said] of [
    [out, `${out}: already exists; seqtune does not overwrite a run folder (choose another --out)`],
    [below, `${below}: cannot make the run folder: the folder ${cfg} is a file, not a folder; choose another --out`],
  ]) {
    const r = await run(['train', cfg, '--out', to!, '--quiet']);
    assert.deepEqual([r.code, r.err], [2, `seqtune: ${said}\n`]);
  }
  assert.deepEqual(readdirSync(out), ['keep.txt']);
});

test('--storage naming a folder: every command that takes one says it is a folder, exit 2, one line', async () => {
  // SQLite said "unable to open database file" for each of them
  const { cfg } = setup(`${good()}tune:\n  strategy: grid\n  space:\n    train.batch_size: [8, 16]\n`, numbers);
  const folder = join(dir, 'studies');
  mkdirSync(folder);
  const at = ['--storage', `sqlite:${folder}`];
  for (const args of [
    ['tune', cfg, ...at],
    ['tune', cfg, '--resume', ...at],
    ['worker', ...at, '--study', 'c'],
    ['study', 'create', cfg, ...at],
    ['study', 'ls', ...at],
    ['study', 'show', 'c', ...at],
    ['study', 'delete', 'c', ...at],
    ['study', 'enqueue', 'c', ...at, '--params', '{"train.batch_size": 8}'],
    ['study', 'export', 'c', ...at, '--format', 'csv'],
    ['study', 'ensemble', 'c', ...at, '--top', '2', '--out', join(dir, 'ens')],
    ['dashboard', '--storage', folder, '--port', '0'],
  ]) {
    const r = await run(args);
    assert.deepEqual(
      [r.code, r.err],
      [
        2,
        `seqtune: ${folder}: is a folder, not a study file; a SQLite storage names its file ` +
          `(sqlite:${join(folder, 'seqtune.db')}, say)\n`,
      ],
      args.join(' '),
    );
  }
  assert.deepEqual(readdirSync(folder), [], 'nothing is made in it');
});
