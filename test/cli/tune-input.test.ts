// The tune: section is checked before any study starts: a typo, a space key that is not a real config path (or
// that walks a prototype), a value that makes an invalid config, an objective no epoch reports: exit 2, one line
// naming the file and key, no database. --resume with a changed config says what changed and refuses (--force).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-tune-input-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 2 }));

const random = (space: string) => `  strategy: random\n  trials: 1\n  space:\n${space}`;
const cases: [string, string, RegExp][] = [
  ['a typo of trials', '  trails: 40\n', /tune\.trails: unknown key \(did you mean "trials"\?\)$/],
  [
    'a typo in the pruner',
    '  pruner: {asha: {min_epoch: 3}}\n',
    /tune\.pruner\.asha\.min_epoch: unknown key \(did you mean "min_epochs"\?\)$/,
  ],
  [
    'a reduction factor of 1',
    '  pruner: {hyperband: {reduction_factor: 1}}\n',
    /reduction_factor: expected an integer >= 2/,
  ],
  [
    'an objective no epoch reports',
    '  objective: val_mse\n',
    /objective: expected a value every epoch reports \(val_loss, loss, val_mae, mae\), received "val_mse"; add mse/,
  ],
  [
    // adding mape on the config's scaled targets would be refused (train.metrics): the hint says so, not "add mape"
    'a percentage objective on scaled targets',
    '  objective: val_mape\n',
    /received "val_mape"; mape is not taken here: mape is a percentage of the target as the model learns it/,
  ],
  [
    'a __proto__ path',
    random("    '__proto__.polluted': [1]\n"),
    /tune\.space\.__proto__\.polluted: expected a config path .* \("__proto__" is not a config key\)$/,
  ],
  [
    'a constructor.prototype path',
    random("    'constructor.prototype.polluted': [1]\n"),
    /"constructor" is not a config key/,
  ],
  [
    'a misspelt key',
    random('    train.batchsize: [8, 16]\n'),
    /train\.batchsize: not a key of the config \(train\.batchsize: unknown key \(did you mean "batch_size"\?\)\)$/,
  ],
  [
    'a layer that is not there',
    random('    model.layers[4].gru.units: [8]\n'),
    /tune\.space\.model\.layers\[4\]\.gru\.units: not a path of the config/,
  ],
  [
    'a value the config refuses',
    random('    model.layers[0].gru.units: [4, 0]\n'),
    /the value 0 gives an invalid config \(model\.layers\[0\]\.gru\.units: expected a positive integer, received 0\)$/,
  ],
  [
    'an unknown key in a distribution',
    random('    train.batch_size: {int: [8, 64], lg: true}\n'),
    /tune\.space\.train\.batch_size\.lg: unknown key \(did you mean "log"\?\)$/,
  ],
  [
    'a step, as Optuna writes one',
    random('    train.batch_size: {int: [16, 64], step: 16}\n'),
    /tune\.space\.train\.batch_size\.step: unknown key; expected .* \(a range with a step is the list of its values/,
  ],
  [
    'a log scale on a float range, as Optuna writes one',
    random('    train.clipnorm: {uniform: [0.1, 10], log: true}\n'),
    /clipnorm\.log: unknown key; .* \(a float range on a log scale is \{loguniform: \[low, high\]\}\)$/,
  ],
  [
    'a when: on a value the other key never takes',
    random('    train.batch_size: [16, 32]\n    train.clipnorm: {uniform: [1, 3], when: {train.batch_size: 61}}\n'),
    /clipnorm\.when\.train\.batch_size: expected a value tune\.space\.train\.batch_size takes \(16, 32\), received 61$/,
  ],
  [
    'a learning rate of adam beside a choice of optimizers',
    random(
      '    train.optimizer.adam.learning_rate: {loguniform: [1.0e-3, 1.0e-2]}\n' +
        '    train.optimizer: [{adam: {learning_rate: 0.01}}, {rmsprop: {learning_rate: 0.01}}]\n',
    ),
    /tune\.space\.train\.optimizer\.adam\.learning_rate: expected a path inside each value of tune\.space\.train\.opt/,
  ],
  [
    'the options of two optimizers',
    random('    train.optimizer.adam.learning_rate: [0.001]\n    train.optimizer.sgd.momentum: [0.9]\n'),
    /tune\.space\.train\.optimizer\.sgd\.momentum: expected options of one optimizer, received sgd's/,
  ],
  [
    'order naming no space key',
    `  strategy: ofat\n  trials: 1\n  space:\n    train.batch_size: [8]\n  order: [train.batchsize]\n`,
    /tune\.order\[0\]: "train\.batchsize" is not a key of tune\.space \(did you mean "train\.batch_size"\?\)$/,
  ],
  [
    'an order for a strategy that has none (only ofat sweeps in an order)',
    `${random('    train.batch_size: [8]\n')}  order: [train.batch_size]\n`,
    /tune\.order: applies to strategy ofat, received strategy random$/,
  ],
];

for (const [what, tune, message] of cases) {
  test(`tune with ${what}: exit 2, one line naming the key, no database`, async () => {
    const name = what.replace(/\W+/g, '-');
    const f = studyConfig(dir, name, `  storage: sqlite:${name}.db\n${tune}`, 1);
    const r = await runCli(['tune', f]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err.split('\n').length, 2, r.err);
    assert.match(r.err.trim(), new RegExp(`^seqtune: ${f.replaceAll('.', '\\.')}: `));
    assert.match(r.err.trim(), message);
    assert.ok(!existsSync(join(dir, `${name}.db`)));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
}

/** tune of a one-trial study config (strategy) edited by `edit`: exit 2 with `line`, and no database left behind. */
async function refusedBeforeStudy(name: string, strategy: string, edit: (text: string) => string, line: RegExp) {
  const tune =
    `  strategy: ${strategy}\n  trials: 1\n  jobs: 1\n  storage: sqlite:${name}.db\n` +
    '  space:\n    train.batch_size: [16]\n';
  const f = studyConfig(dir, name, tune, 1);
  writeFileSync(f, edit(readFileSync(f, 'utf8')));
  const r = await runCli(['tune', f]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, line);
  assert.ok(!existsSync(join(dir, `${name}.db`)), `${strategy}: no database left behind`);
  return f;
}

test('data that holds no window: exit 2 before any study or database exists; fixed, the same command runs', async () => {
  for (const strategy of ['grid', 'auto']) {
    const name = `nowindow-${strategy}`;
    const f = await refusedBeforeStudy(
      name,
      strategy,
      (t) => t.replace('lookback: 12', 'lookback: 290'),
      /holds no window of lookback 290/,
    );
    if (strategy === 'grid') {
      const made = await runCli(['study', 'create', f]);
      assert.equal(made.code, 2, made.err);
      assert.ok(!existsSync(join(dir, `${name}.db`)), 'study create: no database left behind');
    }
    writeFileSync(f, readFileSync(f, 'utf8').replace('lookback: 290', 'lookback: 12'));
    const again = await runCli(['tune', f, '--out', join(dir, `runs-${name}`)]);
    assert.equal(again.code, 0, again.err);
  }
});

test('a baseline the data cannot serve: exit 2 naming evaluate.baselines[i] before any study exists, as train', async () => {
  // grid, random, tpe and ofat ran every trial and left the baseline out of each with a note, where train and auto
  // refused the config
  for (const strategy of ['grid', 'auto'])
    await refusedBeforeStudy(
      `season-${strategy}`,
      strategy,
      (t) => `${t}evaluate: {baselines: [mean, {seasonal_naive: {season: 250}}]}\n`,
      /: evaluate\.baselines\[1\]\.seasonal_naive\.season: expected at most \d+, .*received 250\n$/,
    );
});

test("a config's storage of another kind is refused in one line, not made a SQLite file of that name", async () => {
  const f = studyConfig(dir, 'otherkind', '  storage: "mysql:x"\n  trials: 1\n', 1);
  const r = await runCli(['tune', f]);
  const said = (file: string) =>
    `seqtune: ${file}: tune.storage: expected sqlite:FILE, postgres://USER:PASSWORD@HOST:PORT/DB or memory:, ` +
    'received "mysql:x"\n';
  assert.deepEqual([r.code, r.err], [2, said(f)], 'the key and its file are named (it read as the --storage option)');
  assert.ok(!existsSync(join(dir, 'mysql:x')));
  // --storage does not hide the config's error
  const over = await runCli(['tune', f, '--storage', `sqlite:${join(dir, 'over.db')}`]);
  assert.deepEqual([over.code, over.err], [2, said(f)]);
  assert.equal((await runCli(['study', 'create', f])).err, said(f));
});

test('--resume with a changed config prints what changed and refuses; --force resumes', async () => {
  const db = join(dir, 'resume.db');
  const tune = (units: string) =>
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n    model.layers[0].gru.units: [${units}]\n`;
  const f = studyConfig(dir, 'resume', tune('2'), 1);
  const quiet = ['--out', join(dir, 'best')];
  assert.equal((await runCli(['tune', f, ...quiet])).code, 0);
  // More trials or time is no change; another epoch count and another space are.
  writeFileSync(f, readFileSync(f, 'utf8').replace('trials: 1', 'trials: 2'));
  const same = await runCli(['tune', f, '--resume', '--trials', '1', '--out', join(dir, 'best2')]);
  assert.equal(same.code, 0, same.err);
  writeFileSync(f, readFileSync(f, 'utf8').replace('epochs: 1', 'epochs: 2').replace('[2]', '[2, 3]'));
  const refused = await runCli(['tune', f, '--resume']);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.err,
    `seqtune: ${f}: --resume: the config differs from the one study "resume" was created with ` +
      '(train.epochs: 1 -> 2; tune.space.model.layers[0].gru.units: [2] -> [2,3]); ' +
      'add --force to resume with this config anyway\n',
  );
  const forced = await runCli(['tune', f, '--resume', '--force', '--out', join(dir, 'best3')]);
  assert.equal(forced.code, 0, forced.err);
  assert.match(forced.out, /resume --force: the config differs from the study's \(train\.epochs: 1 -> 2; /);
  assert.match(forced.out, /study resume: 2 trials/);
  // the study keeps the config it ran with --force: a plain --resume with it is no change (it said "the config
  // differs" again, and refused); the one it was created with is kept, and study show says what changed and when
  const again = await runCli(['tune', f, '--resume', '--trials', '3', '--out', join(dir, 'best4')]);
  assert.equal(again.code, 0, again.err);
  assert.doesNotMatch(again.out + again.err, /differs/);
  const st = new SqliteStorage(db);
  const attrs = (await st.getStudy('resume'))!.attrs;
  await st.close();
  assert.equal((attrs.config_created as { train: { epochs: number } }).train.epochs, 1);
  assert.equal((attrs.config as { train: { epochs: number } }).train.epochs, 2);
  const show = await runCli(['study', 'show', 'resume', '--storage', `sqlite:${db}`]);
  assert.match(
    show.out,
    /\nconfig changed by --force at \d{4}-\d\d-\d\dT[\d:.]+Z \([^)]+:\d+\): train\.epochs: 1 -> 2; tune\.space\.model/,
  );
  const json = JSON.parse((await runCli(['study', 'show', 'resume', '--storage', `sqlite:${db}`, '--json'])).out);
  assert.deepEqual(json.config_changes[0].differs, [
    'train.epochs: 1 -> 2',
    'tune.space.model.layers[0].gru.units: [2] -> [2,3]',
  ]);
  assert.equal(json.config_changes.length, 1);
  // the config to resume with is now the one run with --force, and the refusal says so
  writeFileSync(f, readFileSync(f, 'utf8').replace('epochs: 2', 'epochs: 3'));
  const third = await runCli(['tune', f, '--resume']);
  assert.equal(third.code, 2);
  assert.match(third.err, /differs from the one study "resume" last ran with --force \(train\.epochs: 2 -> 3\)/);
});

test('--force and --rerun-interrupted without --resume: exit 2 naming the option, no database', async () => {
  // --force alone was taken and did nothing on a new study
  const db = join(dir, 'noresume.db');
  const f = studyConfig(
    dir,
    'noresume',
    `  strategy: grid\n  storage: sqlite:${db}\n  space:\n    train.epochs: [1]\n`,
    1,
  );
  for (const flag of ['--force', '--rerun-interrupted']) {
    const r = await runCli(['tune', f, flag]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, new RegExp(`^seqtune: ${flag} goes with --resume \\(it .*\\)\n$`));
    assert.ok(!existsSync(db));
  }
});

test('tune of a finished study without --resume says it is finished and how to run more', async () => {
  const db = join(dir, 'finished.db');
  const tune = `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space:\n    model.layers[0].gru.units: [2]\n`;
  const f = studyConfig(dir, 'finished', tune, 1);
  assert.equal((await runCli(['tune', f, '--out', join(dir, 'fin')])).code, 0);
  const again = await runCli(['tune', f]);
  assert.equal(again.code, 2);
  assert.match(
    again.err,
    /^seqtune: study "finished" is finished \(search space exhausted\) in sqlite:.*finished\.db; /,
  );
  // every value of the grid has run: more trials or time find nothing new, only more values do (it said to raise
  // --trials, which ran nothing)
  assert.match(again.err, /add --resume --force with more values in tune\.space to run more or rename the config/);
  const resumed = await runCli(['tune', f, '--resume']);
  assert.match(resumed.out, /nothing to resume: every configuration of tune\.space has run \(add values to it and/);
  // a study its trial budget ended is told to raise it
  const budget = studyConfig(
    dir,
    'budgeted',
    tune.replace('[2]', '[2, 3]').replace('jobs: 1', 'jobs: 1\n  trials: 1'),
    1,
  );
  assert.equal((await runCli(['tune', budget, '--out', join(dir, 'fin2')])).code, 0);
  assert.match((await runCli(['tune', budget])).err, /add --resume with --trials N or --time-budget D to run more/);
});

test('--resume of a study an older seqtune created, its config unchanged: a default changed since is no difference', async () => {
  // before 4e4c604 a config without evaluate: was stored with baselines [persistence, mean] (the study's config is
  // resolved); this seqtune's default adds linear, and --resume was refused as 'the config differs
  // (evaluate.baselines: ["persistence","mean"] -> ["persistence","mean","linear"])' (walk: the 1efc38f build's study)
  const db = join(dir, 'older.db');
  const f = studyConfig(
    dir,
    'older',
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space: {train.epochs: [1]}\n`,
  );
  assert.equal((await runCli(['tune', f, '--out', join(dir, 'older-best')])).code, 0);
  const storage = new SqliteStorage(db);
  const config = (await storage.getStudy('older'))!.attrs.config as { evaluate: { baselines: unknown } };
  assert.deepEqual(config.evaluate.baselines, ['persistence', 'mean', 'linear']);
  await storage.setStudyAttr('older', 'config', { ...config, evaluate: { baselines: ['persistence', 'mean'] } });
  await storage.close();
  const again = await runCli(['tune', f, '--resume', '--out', join(dir, 'older-best3')]);
  assert.equal(again.code, 0, again.err);
  assert.doesNotMatch(again.out + again.err, /differs/);
  // --force with another space: the moved default is no difference there either (and the study keeps this config)
  const text = readFileSync(f, 'utf8');
  writeFileSync(f, text.replace('[1]}', '[1, 2]}'));
  const resumed = await runCli(['tune', f, '--resume', '--force', '--out', join(dir, 'older-best2')]);
  assert.equal(resumed.code, 0, resumed.err);
  assert.match(
    resumed.out,
    /resume --force: the config differs from the study's \(tune\.space\.train\.epochs: \[1\] -> \[1,2\]\); /,
  );
  assert.match(resumed.out, /\); the study keeps this config now\n/);
  // the user's own baselines are still a change (against the older study's, as it was before the --force)
  const st = new SqliteStorage(db);
  await st.setStudyAttr('older', 'config', { ...config, evaluate: { baselines: ['persistence', 'mean'] } });
  await st.close();
  writeFileSync(f, `${text}evaluate: {baselines: [persistence]}\n`);
  const changed = await runCli(['tune', f, '--resume']);
  assert.equal(changed.code, 2);
  assert.match(changed.err, /differs .*\(evaluate\.baselines: \["persistence","mean"\] -> \["persistence"\]\)/);
});

test("a trials' folder that cannot be made: exit 2 naming it and why, before the study exists or trains", async () => {
  // --out under a file (as a read-only mount or a folder without permission): the study was created and every trial
  // failed at once (ENOTDIR, EROFS), 'no trial completed', exit 1; --resume and a joining worker trained the same way
  const db = join(dir, 'noruns.db');
  const f = studyConfig(
    dir,
    'noruns',
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space: {train.epochs: [1]}\n`,
  );
  writeFileSync(join(dir, 'afile'), 'not a folder\n');
  const out = join(dir, 'afile', 'trials');
  const why = 'a part of the path is a file, where a folder was expected (ENOTDIR)\n';
  const said = `seqtune: ${out}: ${why}`;
  const r = await runCli(['tune', f, '--out', out]);
  assert.deepEqual([r.code, r.err], [2, said]);
  assert.ok(!existsSync(db), 'no study, no database');
  // the default runs/<name> beside the config, with a file in the way
  writeFileSync(join(dir, 'runs'), 'not a folder\n');
  try {
    const byDefault = await runCli(['tune', f]);
    assert.equal(byDefault.code, 2, byDefault.err);
    assert.equal(byDefault.err, `seqtune: ${join(dir, 'runs', 'noruns')}: ${why}`);
  } finally {
    rmSync(join(dir, 'runs'));
  }
  assert.equal((await runCli(['study', 'create', f])).code, 0);
  for (const args of [
    ['tune', f, '--resume', '--out', out],
    ['worker', '--study', 'noruns', '--storage', `sqlite:${db}`, '--out', out],
  ]) {
    const again = await runCli(args);
    assert.deepEqual([again.code, again.err], [2, said], args[0]);
  }
  const storage = new SqliteStorage(db);
  assert.deepEqual(await storage.getTrials('noruns'), [], 'no trial ran');
  await storage.close();
});

test('study create says when its workers cannot keep run folders where they would by default (a file in the way)', {
  timeout: 60000,
}, async () => {
  // it said nothing: the study was made, and every worker started as it said refused at once (ENOTDIR)
  const sub = join(dir, 'create-runs');
  mkdirSync(sub);
  writeFileSync(join(sub, 'series.csv'), readFileSync(join(dir, 'series.csv')));
  const db = join(sub, 'made.db');
  const f = studyConfig(
    sub,
    'made',
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space: {train.epochs: [1]}\n`,
  );
  writeFileSync(join(sub, 'runs'), 'not a folder\n');
  const runs = join(sub, 'runs', 'made');
  const why = 'a part of the path is a file, where a folder was expected (ENOTDIR)';
  const r = await runCli(['study', 'create', f]);
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.err,
    `seqtune study create: warning: ${runs}: ${why}: a worker keeps its trials' run folders there unless its --out ` +
      'or --data-root says otherwise, and refuses to start; clear the way (a file in its place, a folder it ' +
      'cannot write), or start workers with --out DIR\n',
  );
  const w = await runCli(['worker', '--study', 'made', '--storage', `sqlite:${db}`]);
  assert.deepEqual([w.code, w.err], [2, `seqtune: ${runs}: ${why}\n`], 'the worker refuses as said');
  rmSync(join(sub, 'runs'));
  const again = await runCli(['study', 'create', f, '--storage', `sqlite:${join(sub, 'again.db')}`]);
  assert.deepEqual([again.code, again.err], [0, ''], 'nothing said where the folder can be made');
});

test('--resume of a study that does not exist creates it and says so in one line', async () => {
  // it was created without a word: a mistyped --storage started a new study from trial 0 in silence
  const db = join(dir, 'notyet.db');
  const f = studyConfig(
    dir,
    'notyet',
    `  strategy: grid\n  jobs: 1\n  storage: sqlite:${db}\n  space: {train.epochs: [1]}\n`,
  );
  const r = await runCli(['tune', f, '--resume', '--out', join(dir, 'notyet-runs')]);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.split('\n')[0], `resume: no study "notyet" in sqlite:${db}; creating it`);
  const again = await runCli(['tune', f, '--resume', '--trials', '2', '--out', join(dir, 'notyet-runs2')]);
  assert.doesNotMatch(again.out, /no study/, 'a study that exists is resumed in silence');
});
