// An ensemble is a run folder (issue 20, item 1): predict and evaluate read it, its members are distinct models
// (duplicates skipped, and said so), nothing is retrained, and a fusion that does not beat its best member on
// validation is reported as such, the folder then using the best member alone.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { parse, stringify } from 'yaml';
import { summary } from '../../src/cli/commands/study-ensemble.js';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { say } from '../../src/tune/ensemble.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-ensemble-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 400, seed: 11 }));
const db = `sqlite:${join(dir, 'studies.db')}`;

async function study(name: string, space: string): Promise<void> {
  const f = studyConfig(dir, name, `  strategy: grid\n  jobs: 1\n  storage: ${db}\n  space:\n${space}`, 4);
  const r = await runCli(['tune', f]);
  assert.equal(r.code, 0, r.err);
}
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(...p), 'utf8'));

/** `seqtune evaluate` of an ensemble folder gives the test MSE its ensemble.json records. */
async function evaluatesAsRecorded(out: string, recorded: number): Promise<void> {
  const ev = await runCli(['evaluate', out, '--json']);
  assert.equal(ev.code, 0, ev.err);
  const mse = JSON.parse(ev.out).test.scaled.model.mse;
  assert.ok(Math.abs(mse - recorded) <= 1e-6 * mse, `evaluate ${mse} vs ${recorded}`);
}

test('study ensemble skips trials that are the same model, retrains nothing, and predict/evaluate read its folder', async () => {
  // clipnorm 1000 and 2000 never act on these gradients: the two trials of each units value are one model.
  await study('dups', '    train.clipnorm: [1000, 2000]\n    model.layers[0].gru.units: [3, 6]\n');
  const trialFolders = readdirSync(join(dir, 'runs', 'dups')).sort();
  const out = join(dir, 'ens-dups');
  const r = await runCli([
    'study',
    'ensemble',
    'dups',
    '--storage',
    db,
    '--top',
    '3',
    '--method',
    'stacked',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(
    r.out,
    /skipped trial \d: the same model as trial \d \(bit-identical weights: train\.clipnorm differs but never acted\)/,
  );
  assert.match(r.out, /only 2 distinct trials of the 3 asked for/);
  assert.match(r.out, /member 1\/2: [\s\S]*member 2\/2: /, 'counted over the members found, not the 3 asked for');
  assert.doesNotMatch(r.out, /retrain/);
  assert.deepEqual(readdirSync(join(dir, 'runs', 'dups')).sort(), trialFolders, 'no trial trained again');
  const e = readJson(out, 'ensemble.json');
  assert.equal(e.members.length, 2);
  assert.equal(e.skipped.length, 2);
  assert.deepEqual(
    new Set(e.members.map((m: { params: Record<string, number> }) => m.params['model.layers[0].gru.units'])),
    new Set([3, 6]),
  );
  for (const m of e.members) assert.ok(readdirSync(join(out, m.dir)).includes('model'), 'members are run folders');
  await evaluatesAsRecorded(out, e.test.ensemble.scaled.mse);
  const pr = await runCli(['predict', out, '--csv', join(dir, 'series.csv')]);
  assert.equal(pr.code, 0, pr.err);
  const member = await runCli(['predict', join(out, 'member-1'), '--csv', join(dir, 'series.csv')]);
  assert.equal(pr.out.split('\n').length, member.out.split('\n').length);
  assert.match(pr.out, /^origin_row,value_t\+1\n/);
  // the same --out again: refused before any member is loaded and scored (it was after them all)
  const again = await runCli(['study', 'ensemble', 'dups', '--storage', db, '--top', '3', '--out', out]);
  assert.equal(again.code, 2, again.out);
  assert.match(again.err, /ens-dups: already exists; seqtune does not overwrite a run folder/);
  assert.doesNotMatch(again.out, /member|skipped/, 'nothing scored');
  // an --out below a file likewise: it was told after every member was scored, 'series.csv: exists, and is not a
  // folder (EEXIST)'
  const under = join(dir, 'series.csv', 'ens');
  const below = await runCli(['study', 'ensemble', 'dups', '--storage', db, '--top', '3', '--out', under]);
  assert.deepEqual(
    [below.code, below.err],
    [
      2,
      `seqtune: ${under}: cannot make the run folder: the folder ${join(dir, 'series.csv')} is a file, not a ` +
        'folder; choose another --out\n',
    ],
  );
  assert.doesNotMatch(below.out, /member|skipped/, 'nothing scored');
});

test('the default folder beside the config is judged before the members are scored, as an --out is', async () => {
  // the trials kept elsewhere (tune --out) and runs/<name> beside the config a file: the members were loaded, the
  // linear member fitted and the fusion scored, then "runs/elsewhere: exists, and is not a folder (EEXIST)"
  const f = studyConfig(
    dir,
    'elsewhere',
    `  strategy: grid\n  jobs: 1\n  storage: ${db}\n  space:\n    model.layers[0].gru.units: [3, 5]\n`,
  );
  assert.equal((await runCli(['tune', f, '--out', join(dir, 'kept-elsewhere')])).code, 0);
  mkdirSync(join(dir, 'runs'), { recursive: true });
  writeFileSync(join(dir, 'runs', 'elsewhere'), 'not a folder');
  const r = await runCli(['study', 'ensemble', 'elsewhere', '--storage', db, '--top', '2', '--linear']);
  assert.equal(r.code, 2, r.err);
  assert.match(
    r.err,
    /^seqtune: \S+ensemble-[\dT-]+: cannot make the run folder: the folder \S+elsewhere is a file, not a folder; /,
  );
  assert.doesNotMatch(r.out, /member|skipped/, 'nothing scored');
  assert.deepEqual(readdirSync(join(dir, 'kept-elsewhere')).sort(), ['trial-0', 'trial-1'], 'no linear member saved');
});

test('a fusion that does not beat its best member on validation is reported, and the folder uses that member', async () => {
  // A learning rate of 1e-7 leaves its model where it started: averaging it in only hurts.
  await study('weak', '    train.optimizer.adam.learning_rate: [0.01, 0.0000001]\n');
  const out = join(dir, 'ens-weak');
  const r = await runCli(['study', 'ensemble', 'weak', '--storage', db, '--top', '2', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const e = readJson(out, 'ensemble.json');
  assert.equal(e.kept, 'best member');
  assert.ok(e.val.fusion >= e.val.best_member);
  assert.deepEqual(e.use, { method: 'mean', members: [e.members[0].dir], weights: [1] });
  assert.match(
    r.out,
    new RegExp(
      'the mean fusion does not beat each member on validation ' +
        '\\(MSE [\\d.]+, cross-fitted, vs [\\d.]+ for trial \\d\\): the folder uses trial \\d alone',
    ),
  );
  assert.match(r.out, /ensemble of 2 \(mean\) not better than each member on validation \(trial \d alone [\d.]+ vs /);
  const csv = join(dir, 'series.csv');
  const a = await runCli(['predict', out, '--csv', csv]),
    b = await runCli(['predict', join(out, e.use.members[0]), '--csv', csv]);
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, b.out, 'the ensemble forecasts as its best member');
});

test('--linear blends the best trial with the linear baseline, saved as a run folder that evaluate reads', async () => {
  await study('lin', '    model.layers[0].gru.units: [3, 5]\n');
  const out = join(dir, 'ens-lin');
  const r = await runCli(['study', 'ensemble', 'lin', '--storage', db, '--top', '1', '--linear', '--method', 'blend']);
  assert.equal(r.code, 0, r.err);
  const again = await runCli([
    'study',
    'ensemble',
    'lin',
    '--storage',
    db,
    '--top',
    '1',
    '--linear',
    '--method',
    'blend',
    '--out',
    out,
  ]);
  assert.equal(again.code, 0, again.err);
  assert.match(
    again.out,
    /member 1\/2: trial \d[\s\S]*member 2\/2: the linear baseline at lookback 12, saved in .*linear-[0-9a-f]{10}/,
  );
  const e = readJson(out, 'ensemble.json');
  assert.equal(e.members.length, 2);
  assert.deepEqual(e.members[1].params, { linear: { lookback: 12 } });
  assert.equal(e.members[1].trial, null);
  const linearRuns = readdirSync(join(dir, 'runs', 'lin')).filter((f) => f.startsWith('linear-'));
  assert.equal(linearRuns.length, 1, 'saved once, beside the trials, and found the second time');
  // The member is the linear baseline: its test MSE is the one the trial's metrics give the `linear` baseline.
  const trialMetrics = readJson(e.members[0].from, 'metrics.json');
  const lin = await runCli(['evaluate', join(out, 'member-2'), '--json']);
  assert.equal(lin.code, 0, lin.err);
  const linMse = JSON.parse(lin.out).test.scaled.model.mse;
  assert.ok(Math.abs(linMse - trialMetrics.test.scaled.linear.mse) <= 1e-6 * linMse, `${linMse}`);
  assert.ok(Math.abs(e.test.members[1].scaled.mse - linMse) <= 1e-6 * linMse);
  if (e.kept === 'fusion') {
    const w = e.use.weights as number[];
    assert.ok(w.every((v) => v >= 0) && Math.abs(w[0]! + w[1]! - 1) < 1e-9, `${w}`);
    assert.ok(e.val.fusion < Math.min(...e.members.map((m: { val_mse: number }) => m.val_mse)));
  }
  await evaluatesAsRecorded(out, e.test.ensemble.scaled.mse);
});

/**
 * `seqtune study ensemble ... --out out` where another process takes `out` while the members are scored: a file is
 * written there at the command's first line (the check of --out is behind it), so the ensemble fails at its end.
 */
async function takenMeanwhile(args: string[], out: string): Promise<{ code: number; err: string }> {
  const { main } = await import('../../src/cli/main.js');
  const err: string[] = [];
  const taking = () => void (existsSync(out) || writeFileSync(out, 'another run'));
  const code = await main([...args, '--out', out], { out: taking, err: (s) => err.push(s) });
  return { code, err: err.join('') };
}

test('an ensemble that fails removes the linear member it saved, and keeps one saved before', async () => {
  // an --out that fails at the end, after the ridge was fitted and saved beside the trials, left its
  // runs/fails/linear-<hash>/ there, a folder no ensemble uses
  await study('fails', '    model.layers[0].gru.units: [3, 5]\n');
  const runs = join(dir, 'runs', 'fails');
  const linearRuns = () => readdirSync(runs).filter((f) => f.startsWith('linear-'));
  const args = ['study', 'ensemble', 'fails', '--storage', db, '--top', '2', '--linear', '--method', 'blend'];
  const bad = await takenMeanwhile(args, join(dir, 'ens-taken'));
  assert.equal(bad.code, 2, bad.err);
  assert.match(bad.err, /ens-taken: already exists; seqtune does not overwrite a run folder/);
  assert.deepEqual(linearRuns(), [], 'no linear-<hash> folder left beside the trials');
  const ok = await runCli([...args, '--out', join(dir, 'ens-fails')]);
  assert.equal(ok.code, 0, ok.err);
  const [saved] = linearRuns();
  assert.ok(saved, 'saved beside the trials');
  const again = await takenMeanwhile(args, join(dir, 'ens-taken-2'));
  assert.equal(again.code, 2, again.err);
  assert.deepEqual(linearRuns(), [saved], 'a folder an earlier ensemble saved is kept');
});

test("the linear member an ensemble saves is out of other ensembles' sight until that ensemble is made", async () => {
  // two ensembles of a study at once: the one that failed removed the runs/<name>/linear-<hash>/ it had saved, which
  // the other could have found and loaded meanwhile, and then failed to copy into its own folder (ENOENT)
  await study('sight', '    model.layers[0].gru.units: [3, 5]\n');
  const { studyEnsemble } = await import('../../src/tune/ensemble.js');
  const storage = new SqliteStorage(join(dir, 'studies.db'));
  // what another ensemble looking for the linear member would find, as this one says where it is saved
  const found: boolean[] = [];
  // the first ensemble fails at its end: another process takes its --out once the linear member is saved
  const taken = join(dir, 'ens-sight-taken');
  const log = (l: string) => {
    const at = /^member \d+\/\d+: the linear baseline at lookback \d+, saved in (.+)$/.exec(l)?.[1];
    if (at) found.push(existsSync(join(at, 'model', 'data.json')));
    if (at && found.length === 1) writeFileSync(taken, 'another run');
  };
  const o = { top: 2, linear: true, method: 'blend' as const, log };
  try {
    await assert.rejects(studyEnsemble(storage, 'sight', { ...o, out: taken }), /already exists/);
    const ok = await studyEnsemble(storage, 'sight', { ...o, out: join(dir, 'ens-sight') });
    assert.deepEqual(found, [false, false], 'not there for another ensemble to load while this one runs');
    const linear = ok.members.find((m) => m.trial === null)!;
    assert.ok(existsSync(join(linear.from, 'model', 'data.json')), 'under its name once the ensemble is made');
    assert.ok(existsSync(join(dir, 'ens-sight', 'member-3', 'model', 'data.json')), 'copied into the ensemble');
    await studyEnsemble(storage, 'sight', { ...o, write: false });
    assert.deepEqual(found, [false, false, true], 'the next ensemble loads it');
    const runs = readdirSync(join(dir, 'runs', 'sight'));
    assert.deepEqual(
      runs.filter((f) => !f.startsWith('trial-')),
      [basename(linear.from)],
      'one linear folder, no other',
    );
  } finally {
    await storage.close();
  }
});

test('an ensemble fits the linear baselines with turns of the event loop, so that Ctrl-C and SIGTERM stop it', async () => {
  // a linear baseline at lookback 200 (the ridge's fit many WORK_AT_ONCE of multiply-adds) among the study's: the fits
  // of the linear member and of the baselines scored on test ran at once, and a signal waited for them (ETTh1: 22 s)
  writeFileSync(join(dir, 'long.csv'), syntheticCsv({ length: 1500, seed: 3 }));
  const f = studyConfig(dir, 'turns', `  strategy: grid\n  jobs: 1\n  storage: ${db}\n  space:\n`, 1);
  const yaml = readFileSync(f, 'utf8').replace('csv: series.csv', 'csv: long.csv');
  const baselines = 'evaluate: {baselines: [persistence, {linear: {lookback: 200}}]}\n';
  writeFileSync(f, `${yaml}    model.layers[0].gru.units: [3, 5]\n${baselines}`);
  assert.equal((await runCli(['tune', f])).code, 0);
  const { studyEnsemble } = await import('../../src/tune/ensemble.js');
  const { ridgeAsModel } = await import('../../src/config/index.js');
  const { prepareData } = await import('../../src/data/index.js');
  const storage = new SqliteStorage(join(dir, 'studies.db'));
  let turns = 0,
    counting = false,
    stop = false;
  const turn = () => {
    if (counting) turns++;
    if (!stop) setImmediate(turn);
  };
  setImmediate(turn);
  try {
    const o = { top: 2, linear: true, method: 'blend' as const, write: false };
    await studyEnsemble(storage, 'turns', o); // saves the linear member: the next loads it, with no turn of its own
    // from the member lines (the members loaded, the linear one too) to the end: the test split's scores
    const log = (l: string) => {
      if (l.startsWith('member 1/')) counting = true;
    };
    await studyEnsemble(storage, 'turns', { ...o, log });
    assert.ok(turns >= 3, `${turns} turns while the baselines were scored`);
    const csv = join(dir, 'long.csv');
    const d = await prepareData({ ...parse(yaml).data, csv }, csv);
    [counting, turns] = [true, 0];
    (await ridgeAsModel(d, 200)).dispose();
    assert.ok(turns >= 3, `${turns} turns while the linear member was fitted`);
  } finally {
    stop = true;
    await storage.close();
  }
});

test('a blend of more than 12 models is refused by what to ask for, exit 2, before the linear member is saved', async () => {
  // --top 12 --linear --method blend: "ValueError: fuseModels: method "blend" fuses at most 12 models, received 13",
  // exit 1 as a bug in seqtune, after the ridge was fitted and saved
  const units = Array.from({ length: 12 }, (_, i) => i + 1);
  const f = studyConfig(dir, 'many', `  strategy: grid\n  jobs: 1\n  storage: ${db}\n  space:\n`, 1);
  writeFileSync(f, `${readFileSync(f, 'utf8')}    model.layers[0].gru.units: [${units.join(', ')}]\n`);
  assert.equal((await runCli(['tune', f])).code, 0);
  const args = ['study', 'ensemble', 'many', '--storage', db, '--method', 'blend', '--out', join(dir, 'ens-many')];
  const r = await runCli([...args, '--top', '12', '--linear']);
  assert.equal(r.code, 2, r.err);
  assert.equal(
    r.err,
    'seqtune: study "many": a blend fuses at most 12 models, found 13 (12 distinct trials and the linear baseline); ' +
      'ask for at most 11 trials with --linear, or use another --method\n',
  );
  assert.deepEqual(
    readdirSync(join(dir, 'runs', 'many')).filter((d) => !d.startsWith('trial-')),
    [],
    'no linear member saved',
  );
  const ok = await runCli([...args, '--top', '11', '--linear']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(readJson(dir, 'ens-many', 'ensemble.json').members.length, 12);
});

test('a broken ensemble.json is one line naming the key, expected and found, exit 2', async () => {
  const out = join(dir, 'ens-weak');
  const e = readJson(out, 'ensemble.json');
  const broken = join(dir, 'broken');
  const { cpSync } = await import('node:fs');
  cpSync(out, broken, { recursive: true });
  writeFileSync(join(broken, 'ensemble.json'), JSON.stringify({ ...e, use: { ...e.use, method: 'median' } }));
  const r = await runCli(['evaluate', broken]);
  assert.equal(r.code, 2);
  assert.equal(
    r.err.trim(),
    `seqtune: ${join(broken, 'ensemble.json')}: use.method: expected mean, weighted, blend or stacked, found "median"`,
  );
});

test("evaluate of an ensemble folder scores the baselines its members' config lists, not the defaults", async () => {
  const { cpSync } = await import('node:fs');
  const copy = join(dir, 'ens-dups-baselines');
  cpSync(join(dir, 'ens-dups'), copy, { recursive: true });
  // as a config that lists seasonal_naive (init --csv writes one for a series with a season) would have it
  for (const m of readJson(copy, 'ensemble.json').use.members as string[]) {
    const f = join(copy, m, 'config.yaml');
    const cfg = parse(readFileSync(f, 'utf8'));
    writeFileSync(
      f,
      stringify({ ...cfg, evaluate: { baselines: ['persistence', { seasonal_naive: { season: 12 } }] } }),
    );
  }
  const ev = await runCli(['evaluate', copy, '--json']);
  assert.equal(ev.code, 0, ev.err);
  assert.deepEqual(Object.keys(JSON.parse(ev.out).test.scaled), ['model', 'persistence', 'seasonal_naive']);
});

test('a member trial whose run folder was removed is one line naming it, exit 2', async () => {
  const { renameSync } = await import('node:fs');
  const trial0 = join(dir, 'runs', 'weak', 'trial-0');
  renameSync(trial0, `${trial0}-moved`);
  try {
    const r = await runCli(['study', 'ensemble', 'weak', '--storage', db, '--top', '2', '--out', join(dir, 'gone')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^seqtune: trial \d's run folder has no model: \S+trial-\d\/model\/model\.json is not there/);
  } finally {
    renameSync(`${trial0}-moved`, trial0);
  }
});

test('--trials fuses the trials named, best first, and names a trial that is not there or not complete', async () => {
  // the 'weak' study: trial numbers 0 and 1, one of them a learning rate that leaves its model where it started
  const e0 = readJson(join(dir, 'ens-weak'), 'ensemble.json');
  const worse = e0.members[1].trial as number;
  const out = join(dir, 'ens-named');
  const r = await runCli(['study', 'ensemble', 'weak', '--storage', db, '--trials', String(worse), '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, new RegExp(`member 1/1: trial ${worse} `));
  const e = readJson(out, 'ensemble.json');
  assert.deepEqual(
    e.members.map((m: { trial: number }) => m.trial),
    [worse],
    'the trial named, not the best',
  );
  const both = await runCli([
    'study',
    'ensemble',
    'weak',
    '--storage',
    db,
    '--trials',
    `${worse},${1 - worse}`,
    '--linear',
  ]);
  assert.equal(both.code, 0, both.err);
  assert.match(
    both.out,
    new RegExp(`member 1/3: trial ${1 - worse} [^]*member 2/3: trial ${worse} [^]*member 3/3: the linear`),
  );
  // the member lowest on validation keeps the fusion out, and is named with its own value (it read "not better than
  // the linear baseline on validation (validation MSE 0.3007 (cross-fitted; ...) vs 0.04243 for the linear baseline)")
  assert.match(
    both.out,
    /not better than each member on validation \((trial \d|the linear baseline) alone [\d.]+ vs [\d.]+ cross-fitted\)/,
  );
  const absent = await runCli(['study', 'ensemble', 'weak', '--storage', db, '--trials', '0,9']);
  assert.equal(absent.code, 2);
  assert.equal(absent.err, 'seqtune: study "weak" has no trial 9 (its trials are numbered 0 to 1)\n');
  const q = await runCli([
    'study',
    'enqueue',
    'weak',
    '--storage',
    db,
    '--params',
    '{"train.optimizer.adam.learning_rate": 0.001}',
  ]);
  assert.equal(q.code, 0, q.err);
  const waiting = await runCli(['study', 'ensemble', 'weak', '--storage', db, '--trials', '2']);
  assert.equal(waiting.code, 2);
  assert.equal(
    waiting.err,
    'seqtune: study "weak": trial 2 is waiting, not complete; only a completed trial can be a member\n',
  );
});

test("--top K starts from the study's own best: auto's choice by the mean over seeds, not its luckiest seed", async () => {
  await study('chosen', '    model.layers[0].gru.units: [3, 5]\n');
  const file = join(dir, 'studies.db');
  const st = new SqliteStorage(file);
  const trials = (await st.getTrials('chosen')).sort((a, b) => a.value! - b.value!);
  const [lowest, other] = [trials[0]!.number, trials[1]!.number];
  await st.setStudyAttr('chosen', 'best_by_mean', { trial: other, mean: 1, seeds: [] });
  await st.close();
  const r = await runCli(['study', 'ensemble', 'chosen', '--storage', db, '--top', '1', '--out', join(dir, 'ens-c')]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(
    readJson(dir, 'ens-c', 'ensemble.json').members.map((m: { trial: number }) => m.trial),
    [other],
    `trial ${other} (the study's choice), not ${lowest} (the lowest value)`,
  );
});

test("--top and --trials read trials as the study's end does: a dip or a lucky seed neither leads nor is the fallback", async () => {
  // two configurations on two seeds each: a learning rate of 1e-7 (its models stay where they started) and 0.01
  await study('read', '    seed: [1, 2]\n    train.optimizer.adam.learning_rate: [0.0000001, 0.01]\n');
  const file = join(dir, 'studies.db');
  const st = new SqliteStorage(file);
  const trials = await st.getTrials('read');
  await st.close();
  const lr = (t: (typeof trials)[number]) => t.params['train.optimizer.adam.learning_rate'];
  const good = trials.filter((t) => lr(t) === 0.01).sort((a, b) => a.value! - b.value!);
  const [a1, a2] = trials.filter((t) => lr(t) !== 0.01).map((t) => t.number);
  const [lucky, sibling] = [good[0]!.number, good[1]!.number];
  // As stored, the lowest value of the study is `lucky`'s, a dip between two epochs 50% above it, and its
  // configuration is worse on average (its sibling seed 0.8): by the mean of steady values (0.51 against 0.7) the
  // 1e-7 configuration is the best. Its models are the worse on validation, so the fusion with `lucky` cannot beat it.
  const sql = new Database(file);
  const set = (n: number, value: number, curve: number[]) => {
    const id = sql
      .prepare('SELECT t.id FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = ? AND t.number = ?')
      .pluck()
      .get('read', n);
    sql.prepare('UPDATE trials SET value = ? WHERE id = ?').run(value, id);
    sql.prepare('DELETE FROM intermediate WHERE trial_id = ?').run(id);
    for (const [step, v] of curve.entries())
      sql.prepare('INSERT INTO intermediate (trial_id, step, value) VALUES (?, ?, ?)').run(id, step, v);
  };
  set(a1!, 0.5, [0.9, 0.7, 0.5, 0.5]);
  set(a2!, 0.52, [0.9, 0.7, 0.6, 0.52]);
  set(lucky, 0.4, [0.9, 0.6, 0.4, 0.6]);
  set(sibling, 0.8, [0.9, 0.85, 0.8, 0.8]);
  sql.close();
  const top = await runCli(['study', 'ensemble', 'read', '--storage', db, '--top', '2', '--out', join(dir, 'ens-r')]);
  assert.equal(top.code, 0, top.err);
  const members = (out: string) => readJson(dir, out, 'ensemble.json').members.map((m: { trial: number }) => m.trial);
  assert.deepEqual(members('ens-r'), [a1, a2], `the seeds of the best configuration, not trial ${lucky}'s dip`);
  // trial a1 stands for its configuration's mean over its two seeds (0.51, its own steady value 0.5), and says so
  assert.deepEqual(readJson(dir, 'ens-r', 'ensemble.json').val.steady.mean_over_seeds, {
    configuration: Math.min(a1!, a2!),
    seeds: 2,
  });
  assert.match(top.out, /^members chosen as the study's end reads its trials: its best first \(trial \d\), then /);
  assert.match(top.out, new RegExp(`ranked lower by that reading: trial ${lucky} \\(0\\.4000, steady 0\\.6000, its `));
  // named: the study's best first, and the folder falls back to it, not to the member lowest on validation
  const named = await runCli([
    'study',
    'ensemble',
    'read',
    '--storage',
    db,
    '--trials',
    `${lucky},${a1}`,
    '--out',
    join(dir, 'ens-r2'),
  ]);
  assert.equal(named.code, 0, named.err);
  const e = readJson(dir, 'ens-r2', 'ensemble.json');
  assert.deepEqual(members('ens-r2'), [a1, lucky]);
  assert.equal(e.members[1].val_mse < e.members[0].val_mse, true, `trial ${lucky}'s model is lower on validation`);
  assert.deepEqual([e.kept, e.use.members, e.val.best_trial], ['best member', ['member-1'], a1]);
  assert.match(
    named.out,
    new RegExp(
      `vs [\\d.]+ for trial ${lucky}\\): the folder uses trial ${a1} alone, the model the study reads as its best`,
    ),
  );
});

test('the line of how members were chosen prints the trials it ranks lower apart (digitsApart), not at 4 digits', async () => {
  await study('apart', '    seed: [1, 2]\n    train.optimizer.adam.learning_rate: [0.0000001, 0.01]\n');
  const file = join(dir, 'studies.db');
  const st = new SqliteStorage(file);
  const trials = await st.getTrials('apart');
  await st.close();
  const lr = (t: (typeof trials)[number]) => t.params['train.optimizer.adam.learning_rate'];
  const [a1, a2] = trials.filter((t) => lr(t) !== 0.01).map((t) => t.number);
  const [g1, g2] = trials.filter((t) => lr(t) === 0.01).map((t) => t.number);
  const sql = new Database(file);
  const set = (n: number, value: number, curve: number[]) => {
    const id = sql
      .prepare('SELECT t.id FROM trials t JOIN studies s ON s.id = t.study_id WHERE s.name = ? AND t.number = ?')
      .pluck()
      .get('apart', n);
    sql.prepare('UPDATE trials SET value = ? WHERE id = ?').run(value, id);
    sql.prepare('DELETE FROM intermediate WHERE trial_id = ?').run(id);
    for (const [step, v] of curve.entries())
      sql.prepare('INSERT INTO intermediate (trial_id, step, value) VALUES (?, ?, ?)').run(id, step, v);
  };
  // the 1e-7 configuration is the best by the mean of steady values (0.51 against 0.55); the other's two seeds, a dip
  // of 0.4 and a steady 0.40003, both lower than the last member's 0.52, are ranked lower, and printed apart
  set(a1!, 0.5, [0.9, 0.7, 0.5, 0.5]);
  set(a2!, 0.52, [0.9, 0.7, 0.6, 0.52]);
  set(g1!, 0.4, [0.9, 0.7, 0.4, 0.7]);
  set(g2!, 0.40003, [0.9, 0.85, 0.8, 0.40003]);
  sql.close();
  const r = await runCli(['study', 'ensemble', 'apart', '--storage', db, '--top', '2', '--out', join(dir, 'ens-a')]);
  assert.equal(r.code, 0, r.err);
  const line = r.out.split('\n').find((l) => l.startsWith('members chosen'))!;
  assert.match(line, new RegExp(`ranked lower by that reading: trial ${g1} \\(0\\.40000, steady 0\\.70000, its `));
  assert.match(line, new RegExp(`, trial ${g2} \\(0\\.40003, its configuration's mean 0\\.55001 over 2 seeds\\)`));
});

test("the summary line names what each validation figure is and whose: a configuration's mean is not its best seed's", () => {
  // airline passengers: "vs 0.02483 (steady) for trial 56", 0.02483 being #14's configuration's mean over 3 seeds
  // (trial 56's own steady value 0.02440); shampoo: "not better than trial 53 on validation (validation MSE 0.4043
  // (cross-fitted; steady 0.4176) vs 0.5440 (steady) for trial 53)", the reason (trial 53 alone 0.3696) left out
  const result = (kept: string, fusion: number, members: [number | null, number][], steady: object) =>
    ({
      method: 'blend',
      kept,
      members: members.map(([trial, val_mse]) => ({ trial, val_mse })),
      val: { fusion, best_member: members[0]![1], best_trial: members[0]![0], steady },
      test: {
        ensemble: { scaled: { mse: 0.04 } },
        fusion: { scaled: { mse: 0.04 } },
        members: members.map(() => ({ scaled: { mse: 0.041 } })),
        baselines: { scaled: { linear: { mse: 0.0399 } } },
      },
      dir: 'ens',
    }) as unknown as Parameters<typeof summary>[0];
  const mean = { configuration: 14, seeds: 3 };
  const kept = result(
    'fusion',
    0.02401,
    [
      [56, 0.02427],
      [null, 0.0245],
    ],
    { fusion: 0.02412, best_member: 0.02483, mean_over_seeds: mean },
  );
  assert.ok(
    summary(kept).startsWith(
      'ensemble of 2 (blend): validation MSE 0.02401 (cross-fitted; steady 0.02412) vs 0.02483 for ' +
        "#14's configuration (the mean over its 3 seeds, steady; trial 56 is its best seed); test MSE ",
    ),
    summary(kept),
  );
  const own = result(
    'fusion',
    0.02401,
    [
      [56, 0.02427],
      [null, 0.0245],
    ],
    { fusion: 0.02412, best_member: 0.0244 },
  );
  assert.ok(summary(own).includes(' vs 0.02440 for trial 56 (steady); test MSE '), summary(own));
  const shampoo = result(
    'best member',
    0.4043,
    [
      [53, 0.3696],
      [84, 0.41],
      [null, 0.4],
    ],
    { fusion: 0.4176, best_member: 0.544, mean_over_seeds: { configuration: 53, seeds: 3 } },
  );
  assert.ok(
    summary(shampoo).startsWith(
      'ensemble of 3 (blend) not better than each member on validation (trial 53 alone 0.3696 vs 0.4043 ' +
        'cross-fitted); the folder uses trial 53: ',
    ),
    summary(shampoo),
  );
});

test('the summary line prints two different figures apart, with the digits that tell them apart (digitsApart)', () => {
  // at 4 digits always: 'not better than each member on validation (trial 56 alone 0.1671 vs 0.1671 cross-fitted)'
  // and 'test MSE 0.04000 (fusion 0.04000)' for different values
  const r = {
    method: 'mean',
    kept: 'best member',
    members: [
      { trial: 56, val_mse: 0.167076 },
      { trial: 12, val_mse: 0.18 },
    ],
    val: {
      fusion: 0.167089,
      best_member: 0.167076,
      best_trial: 56,
      steady: { fusion: 0.17, best_member: 0.1685 },
    },
    test: {
      ensemble: { scaled: { mse: 0.0400012 } },
      fusion: { scaled: { mse: 0.0400034 } },
      members: [{ scaled: { mse: 0.0400012 } }, { scaled: { mse: 0.05 } }],
      baselines: { scaled: { persistence: { mse: 0.06 } } },
    },
    dir: 'ens',
  } as unknown as Parameters<typeof summary>[0];
  assert.equal(
    summary(r),
    'ensemble of 2 (mean) not better than each member on validation (trial 56 alone 0.16708 vs 0.16709 ' +
      'cross-fitted); the folder uses trial 56: test MSE 0.040001 (fusion 0.040003); members 0.040001, ' +
      '0.050000; persistence 0.060000  (ens)',
  );
});

test('the summary line names the baselines the config scores: without persistence it was a TypeError, exit 1', async () => {
  const f = studyConfig(
    dir,
    'nopersist',
    `  strategy: grid\n  jobs: 1\n  storage: ${db}\n  space:\n    train.batch_size: [32]\n`,
    1,
  );
  writeFileSync(f, `${readFileSync(f, 'utf8')}evaluate: {baselines: [mean]}\n`);
  assert.equal((await runCli(['tune', f])).code, 0);
  const r = await runCli([
    'study',
    'ensemble',
    'nopersist',
    '--storage',
    db,
    '--top',
    '1',
    '--out',
    join(dir, 'ens-np'),
  ]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^ensemble of 1 \(mean\): test MSE \S+; members \S+; mean \S+ {2}\(/m);
});

test("ensembles scored over one dataCache fit the linear baseline's ridge once, for them all", async () => {
  // auto's end step scores up to eight candidates; each prepared its data anew and fitted the ridge again (110 s each
  // at lookback 2000 on 2 cores)
  await study('once', '    model.layers[0].gru.units: [3, 5]\n');
  const { studyEnsemble } = await import('../../src/tune/ensemble.js');
  const { linearFitted } = await import('../../src/data/index.js');
  const storage = new SqliteStorage(join(dir, 'studies.db'));
  try {
    const dataCache = new Map();
    const o = { top: 2, write: false, linear: true, method: 'blend' as const, dataCache };
    await studyEnsemble(storage, 'once', o);
    const [d] = [...dataCache.values()];
    assert.equal(dataCache.size, 1);
    assert.ok(linearFitted(d, 12), 'the ridge was fitted on the data kept in the cache');
    await studyEnsemble(storage, 'once', { ...o, top: 1 });
    assert.deepEqual([...dataCache.values()], [d], 'the second ensemble read the same data, and its ridge');
  } finally {
    await storage.close();
  }
});

test('--top leaves out the trials on another data section than the best, said so; --trials naming one is refused', async () => {
  // an auto study that swept data.lookback had its best (by the mean over seeds) at lookback 12 and the next best at
  // 48: `study ensemble NAME --top 2` was "trial 20 has another data section than trial 3; ...", exit 2
  await study('windows', '    data.lookback: [8, 12]\n    model.layers[0].gru.units: [3, 5]\n');
  const st = new SqliteStorage(join(dir, 'studies.db'));
  const trials = await st.getTrials('windows');
  await st.close();
  const out = join(dir, 'ens-windows');
  const r = await runCli(['study', 'ensemble', 'windows', '--storage', db, '--top', '4', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const members = readJson(out, 'ensemble.json').members.map((m: { trial: number }) => m.trial) as number[];
  const lookback = (n: number) => trials.find((t) => t.number === n)!.params['data.lookback'];
  const same = trials.filter((t) => lookback(t.number) === lookback(members[0]!)).map((t) => t.number);
  const other = trials.filter((t) => lookback(t.number) !== lookback(members[0]!)).map((t) => t.number);
  assert.deepEqual([...members].sort(), same.sort(), "the two trials at the first member's lookback");
  const left = new RegExp(
    `left out trials (${other.join('|')}), (${other.join('|')}): another data section than trial `,
  );
  assert.match(r.out, left);
  assert.match(r.out, /only 2 distinct trials of the 4 asked for/);
  const named = await runCli(['study', 'ensemble', 'windows', '--storage', db, '--trials', `${same[0]},${other[0]}`]);
  assert.equal(named.code, 2);
  assert.match(named.err, /^seqtune: trial \d has another data section than trial \d; an ensemble needs members on/);
});

test("a fusion's verdict prints its figures apart: 0.16708 against a member's 0.16709 read '0.1671 vs 0.1671'", () => {
  const lines: string[] = [];
  const trial = (number: number) => ({ trial: { number, params: {} }, dir: `trial-${number}` });
  say((l) => lines.push(l), {
    members: [trial(3), trial(5)],
    skipped: [],
    top: 2,
    method: 'mean',
    best: 0,
    lowest: 0,
    useFusion: false,
    fusionVal: 0.167089,
    memberVal: [0.167076, 0.2],
  } as unknown as Parameters<typeof say>[1]);
  assert.match(lines.at(-1)!, /\(MSE 0\.16709, cross-fitted, vs 0\.16708 for trial 3\)/);
});
