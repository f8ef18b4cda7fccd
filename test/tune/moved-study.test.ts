// A study whose project folder was moved (or copied) with its SQLite file: the run folders it stored as absolute
// paths are read, and its ensembles written, in the folder it is in now (run/study-paths.ts), by every reader:
// resume and its end step, study show, study ensemble, auto's end, evaluate, the dashboard's study and trial views.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { startDashboard } from '../../src/dashboard/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { openStorage } from '../../src/storage/index.js';
import { finishAuto } from '../../src/tune/auto-ensemble.js';
import { bestOf } from '../../src/tune/study.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const root = mkdtempSync(join(tmpdir(), 'seqtune-moved-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
const UNITS = 'model.layers[0].gru.units';

/** Whether a path is in folder `dir`. */
const under = (p: unknown, dir: string) => typeof p === 'string' && p.startsWith(dir + sep);

test('a study moved to another folder (the old one gone) reads and writes its run folders in the new one', async () => {
  const old = join(root, 'project');
  mkdirSync(old);
  writeFileSync(join(old, 'series.csv'), syntheticCsv({ length: 300, seed: 7 }));
  // the default storage (seqtune.db beside the config) and run folders (runs/moved/ beside it)
  const space = `  strategy: grid\n  jobs: 1\n  trials: 4\n  space:\n    seed: [42, 43, 44]\n    ${UNITS}: [3, 6]\n`;
  assert.equal((await runCli(['tune', studyConfig(old, 'moved', space)])).code, 0);
  const now = join(root, 'renamed');
  renameSync(old, now);
  const db = `sqlite:${join(now, 'seqtune.db')}`;

  // study show: the best trial's folder and the result are the moved ones
  const j = JSON.parse((await runCli(['study', 'show', 'moved', '--storage', db, '--json'])).out);
  assert.ok(under(j.best.run_dir, now) && existsSync(j.best.run_dir), j.best.run_dir);
  assert.ok(under(j.result_dir, now), j.result_dir);
  const show = await runCli(['study', 'show', 'moved', '--storage', db]);
  assert.ok(show.out.includes(`run folder ${j.best.run_dir}`), show.out);

  // study ensemble: members read, data read and the folder written in the new folder
  const ens = await runCli(['study', 'ensemble', 'moved', '--storage', db, '--top', '2']);
  assert.equal(ens.code, 0, ens.err);
  const written = /\(([^()]+)\)\n$/.exec(ens.out)![1]!;
  assert.ok(under(written, join(now, 'runs', 'moved')) && existsSync(join(written, 'ensemble.json')), ens.out);

  // evaluate and predict the best trial's folder: its CSV is found in the new folder
  const ev = await runCli(['evaluate', j.best.run_dir, '--json']);
  assert.equal(ev.code, 0, ev.err);
  assert.equal((await runCli(['predict', j.best.run_dir, '--csv', join(now, 'series.csv')])).code, 0);

  // resumed with nothing more to run: the line names the moved result
  const done = await runCli(['tune', join(now, 'moved.yaml'), '--resume']);
  assert.match(done.out, new RegExp(`already finished: .* in ${join(now, 'runs', 'moved')}`));
  // resumed: new trials and the end step (the best trial's plots) in the new folder, nothing in the old one
  const r = await runCli(['tune', join(now, 'moved.yaml'), '--resume', '--trials', '6']);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /not on this machine/);
  assert.ok(existsSync(join(now, 'runs', 'moved', 'trial-5')));
  // a worker joins with the moved config's data
  const w = await runCli(['worker', '--storage', db, '--study', 'moved']);
  assert.equal(w.code, 0, w.err);
  const storage = openStorage(db);
  try {
    const trials = await storage.getTrials('moved');
    const best = bestOf(trials)!;
    const attrs = (await storage.getStudy('moved'))!.attrs;
    assert.ok(under(attrs.best_run_dir, now), String(attrs.best_run_dir));
    assert.ok(existsSync(join(attrs.best_run_dir as string, 'study-history.svg')));
    // auto's end on the moved study: the best folder, and an ensemble it keeps, beside the moved trials' folders
    const base = resolveConfig((await loadConfig(join(now, 'moved.yaml'))).raw, 'moved');
    const lines: string[] = [];
    const end = {
      storage,
      name: 'moved',
      strategy: 'auto',
      objective: 'val_loss',
      base,
      log: (l: string) => lines.push(l),
    };
    const out = await finishAuto(end, trials, best);
    assert.ok(under(out.bestRun?.dir, join(now, 'runs', 'moved')), lines.join('\n'));
    assert.doesNotMatch(lines.join('\n'), /cannot read|not there|no such file/);
    const kept = ((await storage.getStudy('moved'))!.attrs.ensemble as { dir: string | null }).dir;
    if (kept) assert.ok(under(kept, join(now, 'runs', 'moved')) && existsSync(kept), kept);
  } finally {
    await storage.close();
  }
  assert.ok(!existsSync(old), 'nothing written in the old folder');

  // the dashboard: the study's folders and a trial's run folder (its metrics and files) are the moved ones
  const d = await startDashboard({ storage: db, runs: null, port: 0, web: null });
  try {
    const get = async (p: string) => (await fetch(new URL(p, d.url))).json() as Promise<Record<string, unknown>>;
    const s = await get('/api/studies/moved');
    assert.ok(under((s.best as { run_dir: string }).run_dir, now));
    const t = await get('/api/studies/moved/trials/0');
    assert.ok(under(t.run_dir, now), String(t.run_dir));
    assert.ok(t.metrics && (t.files as string[]).includes('loss.png'));
    assert.equal((await fetch(new URL('/api/studies/moved/trials/0/files/loss.png', d.url))).status, 200);
  } finally {
    await d.close();
  }
});

test('a study copied with its run folders (the original still there) reads and writes its copies', async () => {
  const orig = join(root, 'orig');
  mkdirSync(orig);
  writeFileSync(join(orig, 'series.csv'), syntheticCsv({ length: 300, seed: 8 }));
  const space = `  strategy: grid\n  jobs: 1\n  space:\n    ${UNITS}: [3, 6]\n`;
  assert.equal((await runCli(['tune', studyConfig(orig, 'copied', space)])).code, 0);
  const copy = join(root, 'copy');
  cpSync(orig, copy, { recursive: true });
  const db = `sqlite:${join(copy, 'seqtune.db')}`;
  const j = JSON.parse((await runCli(['study', 'show', 'copied', '--storage', db, '--json'])).out);
  assert.ok(under(j.best.run_dir, copy), j.best.run_dir);
  const ens = await runCli(['study', 'ensemble', 'copied', '--storage', db, '--top', '2']);
  assert.equal(ens.code, 0, ens.err);
  assert.ok(ens.out.includes(`(${join(copy, 'runs', 'copied', 'ensemble-')}`), ens.out);
  assert.ok(ens.out.includes(`its saved model in ${join(copy, 'runs', 'copied', 'trial-')}`), ens.out);
  // the original study reads its own folders
  const o = JSON.parse(
    (await runCli(['study', 'show', 'copied', '--storage', `sqlite:${join(orig, 'seqtune.db')}`, '--json'])).out,
  );
  assert.ok(under(o.best.run_dir, orig), o.best.run_dir);
});
