// scripts/chaos.ts in small and at chosen moments, not random ones: a `tune --resume` and a `worker` on one SQLite
// study, each mid-trial, the one sent SIGTERM (exit 143, its line) and the other SIGKILL; then a `tune --resume`
// finishes the study, and what every process left must hold (test/helpers/study-invariants.ts): numbers dense, no
// trial running or waiting, every complete trial with its value and a whole run folder, no temporary left, the best
// the lowest value, the trial budget kept; `study show`, `study ls`, `study ensemble` and another `--resume` exit 0.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import type { FrozenTrial } from '../../src/storage/index.js';
import { until } from '../helpers/shared-study.js';
import { studyConfig } from '../helpers/study-config.js';
import { bestProblems, folderProblems, storedTrials } from '../helpers/study-invariants.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-chaos-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 240, seed: 5 }));
const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');

/** `seqtune ARGS...` from source in its own process: its exit code and what it wrote (stdout, then stderr). */
function seqtune(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '',
    err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((res) =>
    child.once('exit', (code) => res({ code, out, err })),
  );
  return { child, done };
}

/** Whether `pid` runs a trial that has reported an epoch (far from its last: the config trains 5,000). */
const midTrial = (pid: number) => (t: readonly FrozenTrial[] | null) =>
  (t ?? []).some((x) => x.state === 'running' && x.owner?.endsWith(`:${pid}`) && x.intermediate.length >= 1);

test('tune and worker on one study, SIGTERM to one, SIGKILL to the other mid-trial: resumed whole', async () => {
  const db = join(dir, 'chaos.db');
  const url = `sqlite:${db}`;
  const space = '  space:\n    model.layers[0].gru.units: [2, 3, 4]\n    train.batch_size: [16, 32]\n';
  const lines = `  strategy: random\n  trials: 5\n  jobs: 1\n  heartbeat: 1s\n  storage: ${url}\n${space}`;
  const f = studyConfig(dir, 'chaos', lines, 5000);
  assert.equal((await seqtune(['study', 'create', f]).done).code, 0);
  const t = seqtune(['tune', f, '--resume']);
  const w = seqtune(['worker', '--storage', url, '--study', 'chaos']);
  const both = (x: readonly FrozenTrial[] | null) => midTrial(t.child.pid!)(x) && midTrial(w.child.pid!)(x);
  assert.ok(await until(url, 'chaos', both), 'both processes mid-trial');
  t.child.kill('SIGTERM');
  w.child.kill('SIGKILL');
  const stopped = await t.done;
  assert.equal(stopped.code, 143, stopped.err);
  assert.match(stopped.err, /seqtune: study chaos: interrupted \(SIGTERM\)\n/);
  await w.done;

  studyConfig(dir, 'chaos', lines, 2); // the trials to come train 2 epochs (--force)
  const fin = await seqtune(['tune', f, '--resume', '--force']).done;
  assert.equal(fin.code, 0, fin.err);
  const { trials, problems } = await storedTrials(url, 'chaos', { trials: 5 });
  const all = trials.map((x) => `#${x.number} ${x.state} ${x.error ?? ''}`).join('\n');
  assert.deepEqual([...problems, ...(await folderProblems(join(dir, 'runs'), trials))], [], all);
  assert.equal(trials.filter((x) => x.state === 'complete').length, 5, all);

  const show = await seqtune(['study', 'show', 'chaos', '--storage', url, '--json']).done;
  assert.equal(show.code, 0, show.err);
  assert.deepEqual(bestProblems(JSON.parse(show.out), trials), []);
  for (const args of [
    ['study', 'ls', '--storage', url],
    ['study', 'ensemble', 'chaos', '--storage', url, '--top', '2'],
    ['tune', f, '--resume', '--force'],
  ]) {
    const r = await seqtune(args).done;
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
  }
});
