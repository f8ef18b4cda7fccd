// Threads in a run: its config.yaml records train.threads as the fit trained on them, so that the config repeats the
// run bit for bit (a thread count gives the same result every run, another count differs in the last bits): the
// cores by default, fewer where the fit fell back, and a study's trial the threads its jobs left it. More threads
// than cores are allowed (for that repeat), with one line saying they take turns.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { type LoadedConfig, loadConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { threadsOverCores, trainRun } from '../../src/run/index.js';
import { runStudy } from '../../src/tune/index.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-threads-record-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 3 }));

function config(name: string, layers: string, extra = ''): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `name: ${name}
data: {csv: series.csv, target: value, lookback: 8, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [${layers}]}
train: {epochs: 1, batch_size: 16}
${extra}`,
  );
  return f;
}
const threadsOf = (run: string) =>
  (parse(readFileSync(join(run, 'config.yaml'), 'utf8')) as { train: { threads?: number } }).train.threads;
const withThreads = (l: LoadedConfig, threads: number): LoadedConfig => ({
  ...l,
  raw: { ...l.raw, train: { ...l.raw.train, threads } },
});
const BN = '{gru: {units: 4}}, {batch_normalization: {}}, {dense: {units: 1}}';

test("a run's config.yaml says the threads it trained on: the header's count by default, 1 where it fell back", async () => {
  const lines: string[] = [];
  const plain = await trainRun(await loadConfig(config('plain', '{gru: {units: 4}}, {dense: {units: 1}}')), {
    out: join(dir, 'plain-run'),
    log: (l) => lines.push(l),
  });
  const on = Number(
    /, (\d+) threads?( \(of \d+: .*\))?$/.exec(lines.find((l) => l.startsWith('training plain:'))!)![1],
  );
  assert.equal(threadsOf(plain.dir), on, 'without train.threads: the count the header said');
  assert.equal(plain.history.threads, on);
  // batch normalization trains on one thread whatever is asked
  const bn = await trainRun(withThreads(await loadConfig(config('bn', BN)), 2), { out: join(dir, 'bn-run') });
  assert.equal(threadsOf(bn.dir), 1);
});

test("a study's trial folder says the threads the trial trained on, not the config's", async () => {
  const f = config(
    'study',
    BN,
    `tune: {strategy: grid, trials: 1, jobs: 1, storage: 'sqlite:${join(dir, 's.db')}', ` +
      'space: {train.batch_size: [16]}}',
  );
  const r = await runStudy(withThreads(await loadConfig(f), 2), { log: () => {}, out: join(dir, 'study-runs') });
  assert.equal(r.trials[0]!.state, 'complete');
  assert.equal(threadsOf(r.bestRun!.dir), 1);
});

test('more threads than cores are said in one line: they take turns, for the results of that many threads', () => {
  assert.equal(threadsOverCores(2, 2), null);
  assert.equal(threadsOverCores(1, 1), null);
  assert.equal(
    threadsOverCores(8, 2),
    'train.threads: 8 threads on 2 cores take turns, no faster than 2 ' +
      '(the results are those of 8 threads on any machine)',
  );
  assert.match(threadsOverCores(3, 1)!, /3 threads on 1 core take turns/);
});

test('a study of one job on more threads than cores says so once, as train does', async () => {
  // `tune --jobs 1 --threads 3` on 2 cores trained every trial on 3 threads without the line train prints
  const cores = availableParallelism();
  const f = config(
    'over',
    '{gru: {units: 4}}, {dense: {units: 1}}',
    `tune: {strategy: grid, trials: 2, jobs: 1, storage: 'sqlite:${join(dir, 'over.db')}', ` +
      'space: {train.batch_size: [16, 32]}}',
  );
  const lines: string[] = [];
  const r = await runStudy(withThreads(await loadConfig(f), cores + 1), {
    log: (l) => lines.push(l),
    out: join(dir, 'over-runs'),
  });
  assert.equal(r.trials.length, 2);
  const turns = lines.filter((l) => l.includes('take turns'));
  assert.deepEqual(turns, [`warning: ${threadsOverCores(cores + 1)}`], lines.join('\n'));
});
