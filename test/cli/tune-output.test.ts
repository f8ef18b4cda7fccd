// What `tune` and `study ensemble` say while they work when their output is not a terminal (a log, CI, nohup): one
// line per finished trial with its seconds, one per epoch with --verbose, one per ensemble member (its saved model);
// and what Ctrl-C or SIGTERM during `tune` says: what was kept and the exact command that resumes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-tune-output-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 500, seed: 5 }));

// A grid over six unit counts, one job at a time, with the given extra lines of the tune: section.
const config = (name: string, tune: string, epochs: number) =>
  studyConfig(
    dir,
    name,
    `  strategy: grid\n  jobs: 1\n${tune}  space:\n    model.layers[0].gru.units: [3, 4, 5, 6, 7, 8]\n`,
    epochs,
  );

test('tune prints one line per finished trial with its seconds, and --verbose one line per epoch', async () => {
  const db = join(dir, 'lines.db');
  const f = config('lines', '  trials: 2\n', 3);
  const r = await runCli(['tune', f, '--verbose', '--storage', `sqlite:${db}`]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split('\n');
  const trialLine =
    /^trial (\d) complete val_loss [\d.e+-]+ \{"model\.layers\[0\]\.gru\.units":\d\} in \d+\.\d s {2}\| /;
  const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
  for (const n of [0, 1]) {
    const epochs = [1, 2, 3].map((e) => at(new RegExp(`^trial ${n}: epoch ${e}/3 val_loss [\\d.e+-]+$`)));
    const done = at(new RegExp(`^trial ${n} complete `));
    assert.ok(epochs.every((i) => i >= 0) && done >= 0, r.out);
    assert.match(lines[done]!, trialLine);
    const order = [...epochs, done];
    assert.deepEqual(
      order,
      [...order].sort((a, b) => a - b),
      'epochs, then the trial line',
    );
  }
  const quiet = await runCli(['tune', config('nov', '  trials: 1\n', 2), '--storage', `sqlite:${db}`]);
  assert.equal(quiet.code, 0, quiet.err);
  assert.doesNotMatch(quiet.out, /epoch 1\/2/, 'no epoch lines without --verbose');
  assert.match(quiet.out, /^trial 0 complete val_loss \S+ \{.*\} in \d+\.\d s {2}\| 1 done/m);

  const ens = await runCli(['study', 'ensemble', 'lines', '--storage', db, '--top', '2', '--out', join(dir, 'ens')]);
  assert.equal(ens.code, 0, ens.err);
  // Nothing is trained again: a line says how the members were chosen, then one per member names the trial and its
  // saved model.
  const member = (k: number) => `member ${k}/2: trial \\d \\{.*\\}, its saved model in \\S+trial-\\d\n`;
  assert.match(ens.out, new RegExp(`^members chosen as .*\n${member(1)}${member(2)}(.*\n)?ensemble of 2`));
  // Without --out, an ensemble made in the same second as another gets -2 (it was refused: "already exists").
  const stamp = (s: number) => new Date(Date.now() + s * 1000).toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  for (let s = 0; s < 10; s++) mkdirSync(join(dir, 'runs', 'lines', `ensemble-${stamp(s)}`), { recursive: true });
  const twice = await runCli(['study', 'ensemble', 'lines', '--storage', db, '--top', '2']);
  assert.equal(twice.code, 0, twice.err);
  assert.match(twice.out, /runs\/lines\/ensemble-[\dT-]+-2\b/);
});

for (const [signal, code, withStorage] of [
  ['SIGINT', 130, true],
  ['SIGTERM', 143, false],
] as const) {
  test(`${signal} during tune says what was kept and how to resume, and exits ${code}`, async () => {
    const name = `stop-${signal}`;
    const db = join(dir, `${name}.db`);
    const f = config(name, withStorage ? '  trials: 6\n' : `  trials: 6\n  storage: sqlite:${db}\n`, 200);
    const args = ['tune', f, ...(withStorage ? ['--storage', `sqlite:${db}`] : [])];
    const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '',
      err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    // A completed trial (its line printed) and a running one that has reported an epoch.
    const moment = async () => {
      try {
        const s = new SqliteStorage(db);
        const trials = (await s.getStudy(name)) ? await s.getTrials(name) : [];
        await s.close();
        const running = trials.find((t) => t.state === 'running');
        return /^trial 0 complete/m.test(out) && running && running.intermediate.length >= 1;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 2400 && !(await moment()) && child.exitCode === null; i++)
      await new Promise((res) => setTimeout(res, 25));
    assert.ok(await moment(), `the study has a completed and a running trial (${out}${err})`);
    child.kill(signal);
    assert.equal(await exited, code, err);
    const where = `study ${name} in sqlite:${db}`;
    assert.match(
      err,
      new RegExp(
        `seqtune: ${signal}: ${where}: kept \\d+ trials? complete; ` +
          'the running trial #\\d+ failed as interrupted \\(enqueued again: the resume trains it first\\)\\n',
      ),
    );
    const resume = `seqtune tune ${f} --resume${withStorage ? ` --storage sqlite:${db}` : ''}`;
    assert.ok(err.endsWith(`seqtune: ${signal}: resume with: ${resume}\n`), err);
  });
}

test('more jobs than cores, and --verbose with trials in worker threads, are each said in one line', async () => {
  const jobs = availableParallelism() + 1;
  const f = config('many', '  trials: 1\n', 1);
  const r = await runCli(['tune', f, '--verbose', '--jobs', String(jobs), '--storage', `sqlite:${join(dir, 'm.db')}`]);
  assert.equal(r.code, 0, r.err);
  const cores = availableParallelism();
  assert.match(
    r.out,
    new RegExp(`^tune: ${jobs} jobs on ${cores} cores: the trials share the cores, one thread each$`, 'm'),
  );
  assert.match(
    r.out,
    new RegExp(`^tune: --verbose prints the epochs of trials this process runs itself: none with ${jobs} jobs`, 'm'),
  );
});

test('random search over 2 configurations runs 2 trials, stops with the space exhausted, and does not read importance from them', async () => {
  const f = join(dir, 'few.yaml');
  writeFileSync(
    f,
    `name: few
data: {csv: series.csv, target: value, lookback: 12, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 2, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
  strategy: random
  trials: 6
  jobs: 1
  storage: sqlite:${join(dir, 'few.db')}
  space:
    train.optimizer.adam.learning_rate: [0.01, 0.001]
`,
  );
  const r = await runCli(['tune', f, '--out', join(dir, 'few-best')]);
  assert.equal(r.code, 0, r.err);
  const trialLines = r.out.split('\n').filter((l) => /^trial \d+ complete/.test(l));
  assert.equal(trialLines.length, 2, r.out);
  assert.notEqual(trialLines[0]!.split(' {')[1]!.split('}')[0], trialLines[1]!.split(' {')[1]!.split('}')[0]);
  // the reason on a line of its own and the best on the next: a reason with the plan's notes in parentheses of its
  // own closed them twice on one line ("...configuration)); best #53")
  assert.match(r.out, /^study few: 2 trials, search space exhausted\nbest #\d+ [\d.e-]+ \{.*\}; result in \S+/m);
  assert.match(r.out, /^factor importance: not enough trials yet \(2 completed\) {2}\(plots in /m);
  assert.doesNotMatch(r.out, /learning_rate 100%/);
  const show = await runCli(['study', 'show', 'few', '--storage', join(dir, 'few.db')]);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /^factor importance: not enough trials yet \(2 completed\)$/m);
  assert.doesNotMatch(show.out, /learning_rate 100%/);
});

test('the commands tune prints to look again work when pasted: a study name and a storage path with spaces are quoted', async () => {
  const odd = join(dir, 'odd dir ü');
  mkdirSync(odd, { recursive: true });
  writeFileSync(join(odd, 'series.csv'), syntheticCsv({ length: 300, seed: 5 }));
  const f = join(odd, 'my study.yaml');
  writeFileSync(
    f,
    `name: "my study ü"
data: {csv: series.csv, target: value, lookback: 12, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: 1, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
  strategy: grid
  jobs: 1
  space:
    model.layers[0].gru.units: [3]
`,
  );
  const r = await runCli(['tune', f]);
  assert.equal(r.code, 0, r.err);
  const at = `'sqlite:${join(odd, 'seqtune.db')}'`;
  assert.match(r.out, new RegExp(`^watch it live in the browser: seqtune dashboard --storage ${esc(at)}$`, 'm'));
  const show = `seqtune study show 'my study ü' --storage ${at}`;
  assert.match(r.out, new RegExp(`; look again with: ${esc(show)}$`, 'm'));
  // memory: is this process's alone: no command to paste, and study create refuses it (the study would be gone)
  const mem = await runCli(['tune', f, '--storage', 'memory:']);
  assert.equal(mem.code, 0, mem.err);
  assert.doesNotMatch(mem.out, /seqtune dashboard|look again with/);
  assert.match(mem.out, /^stored in memory: only \(gone with this process\)$/m);
  const made = await runCli(['study', 'create', f, '--storage', 'memory:']);
  assert.equal(made.code, 2);
  assert.match(made.err, /^seqtune: --storage memory: keeps a study only while its process runs/);
});

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
