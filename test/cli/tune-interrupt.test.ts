// Ctrl-C or SIGTERM during a study: the running trials of the process are failed `interrupted: SIGINT to HOST:PID`
// and enqueued again, no unfinished run folder is left, the exit is 130 (143 for SIGTERM), and the study resumes
// cleanly: `tune --resume` trains the interrupted parameters again first. Real processes, signalled mid-trial.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { interruptedText } from '../../src/cli/commands/tune.js';
import { syntheticCsv } from '../../src/data/index.js';
import { type FrozenTrial, MemoryStorage, SqliteStorage } from '../../src/storage/index.js';
import { until } from '../helpers/shared-study.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-tune-int-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 5 }));
const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');

/** `seqtune ARGS...` from source in its own process: its exit code and what it wrote. */
function seqtune(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString();
  });
  const done = new Promise<{ code: number | null; out: string }>((res) =>
    child.once('exit', (code) => res({ code, out })),
  );
  return { child, done };
}

/** Trials of `pid` that are running and have reported an epoch (far from their last: the configs train 5,000). */
const midTrials = (pid: number) => (t: readonly FrozenTrial[] | null) =>
  (t ?? []).filter((x) => x.state === 'running' && x.owner?.endsWith(`:${pid}`) && x.intermediate.length >= 1);

async function trialsOf(db: string, name: string): Promise<FrozenTrial[]> {
  const s = new SqliteStorage(db);
  try {
    return await s.getTrials(name);
  } finally {
    await s.close();
  }
}

/** What an interruption must leave: each of `pid`'s trials failed as interrupted by `signal`, and enqueued again. */
function assertInterrupted(trials: FrozenTrial[], pid: number, signal: string, count: number): FrozenTrial[] {
  const hit = trials.filter((t) => t.owner?.endsWith(`:${pid}`) && t.state !== 'complete');
  const show = trials.map((t) => `#${t.number} ${t.state} ${t.owner} ${t.error}`).join('\n');
  assert.equal(hit.length, count, show);
  for (const t of hit) {
    assert.equal(t.state, 'failed', show);
    assert.match(t.error!, new RegExp(`^interrupted: ${signal} to .+:${pid} \\(last heartbeat `));
    const again = trials.find((x) => x.number === t.attrs.retried_as);
    assert.deepEqual([again?.state, again?.params, again?.attrs.rerun_of], ['waiting', t.params, t.number], show);
  }
  assert.ok(!trials.some((t) => t.state === 'running'), show);
  return hit;
}

test('SIGINT during tune --jobs 2: both running trials interrupted, exit 130, no partial folder; --resume finishes', async () => {
  const db = join(dir, 'int.db');
  const space = '  space:\n    model.layers[0].gru.units: [2, 3, 4]\n';
  const tuneLines = `  strategy: grid\n  trials: 3\n  heartbeat: 1s\n  storage: sqlite:${db}\n${space}`;
  const f = studyConfig(dir, 'int', tuneLines, 5000);
  const out = join(dir, 'runs-int');
  const run = seqtune(['tune', f, '--jobs', '2', '--out', out]);
  const pid = run.child.pid!;
  assert.ok(await until(`sqlite:${db}`, 'int', (t) => midTrials(pid)(t).length === 2), 'two trials mid-epoch');
  run.child.kill('SIGINT');
  const end = await run.done;
  assert.equal(end.code, 130, end.out);
  assert.match(end.out, /seqtune: study int: interrupted \(SIGINT\)\n/);
  assert.match(
    end.out,
    /seqtune: SIGINT: study int in sqlite:.*: kept 0 trials complete; the running trials #0, #1 failed as interrupted/,
  );
  const hit = assertInterrupted(await trialsOf(db, 'int'), pid, 'SIGINT', 2);
  const partial = existsSync(out) ? readdirSync(out).filter((n) => n.includes('.partial-')) : [];
  assert.deepEqual(partial, [], 'no half-written run folder');

  // Resume (with 2 epochs a trial, --force: the config changed): the two interrupted trials run again first.
  studyConfig(dir, 'int', tuneLines, 2);
  const again = seqtune(['tune', f, '--resume', '--force', '--jobs', '2', '--out', out]);
  const resumed = await again.done;
  assert.equal(resumed.code, 0, resumed.out);
  const trials = await trialsOf(db, 'int');
  const show = trials.map((t) => `#${t.number} ${t.state} ${t.error}`).join('\n');
  assert.deepEqual(
    trials.filter((t) => t.attrs.rerun_of !== undefined).map((t) => [t.state, t.attrs.rerun_of, t.params]),
    hit.map((t) => ['complete', t.number, t.params]),
    show,
  );
  const complete = trials.filter((t) => t.state === 'complete').map((t) => t.params['model.layers[0].gru.units']);
  assert.deepEqual(complete.sort(), [2, 3, 4], show);
  assert.ok(!trials.some((t) => t.state === 'running' || t.state === 'waiting'));
});

test('SIGTERM during seqtune worker (one job, the trial in the main thread): interrupted, exit 143', async () => {
  const db = join(dir, 'term.db');
  const space = '  space:\n    train.batch_size: [16, 32]\n';
  const f = studyConfig(
    dir,
    'term',
    `  strategy: grid\n  trials: 2\n  jobs: 1\n  storage: sqlite:${db}\n${space}`,
    5000,
  );
  const made = seqtune(['study', 'create', f]);
  assert.equal((await made.done).code, 0);
  const w = seqtune(['worker', '--storage', `sqlite:${db}`, '--study', 'term']);
  const pid = w.child.pid!;
  assert.ok(await until(`sqlite:${db}`, 'term', (t) => midTrials(pid)(t).length === 1), 'a trial mid-epoch');
  w.child.kill('SIGTERM');
  const end = await w.done;
  assert.equal(end.code, 143, end.out);
  assert.match(end.out, /seqtune: SIGTERM: study term: 1 trial waiting for a worker; start one again/);
  assertInterrupted(await trialsOf(db, 'term'), pid, 'SIGTERM', 1);
});

test("Ctrl-C during auto's checks, before a study exists: the SQLite file this command made is removed too", async () => {
  const f = join(dir, 'checks.yaml');
  writeFileSync(
    f,
    `name: checks
data: {csv: series.csv, target: value, lookback: 48, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 128}}, {dense: {units: 1}}]}
train: {epochs: 3, batch_size: 32}
tune: {strategy: auto, storage: checks.db}
`,
  );
  const db = join(dir, 'checks.db');
  const { child, done } = seqtune(['study', 'create', f]);
  for (let i = 0; i < 2400 && !existsSync(db) && child.exitCode === null; i++)
    await new Promise((r) => setTimeout(r, 25));
  assert.ok(existsSync(db), 'the command made the study file and runs its checks');
  child.kill('SIGINT');
  const r = await done;
  assert.equal(r.code, 130, r.out);
  assert.match(r.out, /removed the unfinished .*checks\.db/);
  assert.deepEqual(
    readdirSync(dir).filter((n) => n.startsWith('checks.db')),
    [],
    'no empty study file (nor its -wal, -shm) left',
  );
});

test("the interrupt note says another live process's running trial runs on; a dead one's is marked interrupted", async () => {
  const s = new MemoryStorage();
  await s.createStudy('beside', {});
  const gone = spawnSync(process.execPath, ['-e', '']).pid; // a process of this host that has exited
  await s.createTrial('beside', { u: 1 }, {}, { owner: { host: 'elsewhere', pid: 1, worker: 0 } });
  await s.createTrial('beside', { u: 2 }, {}, { owner: { host: hostname(), pid: gone, worker: 0 } });
  const text = interruptedText('beside.yaml', undefined, await s.getTrials('beside'));
  assert.match(text, /^kept 0 trials complete; the running trial #1 will be marked interrupted; #0 runs on in /);
  assert.match(text, /; #0 runs on in another process \(elsewhere:1\)\n/);
});
