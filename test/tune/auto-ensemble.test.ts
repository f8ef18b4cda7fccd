// How an auto study ends (issue 16): the best configuration by its mean over seeds, so that a lucky seed does not
// win; then an ensemble of the best trials' saved models, kept only when it beats the best trial alone on
// validation, with the test scores of the ensemble, the best trial and the baselines (linear included) side by side.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { openStorage } from '../../src/storage/index.js';
import { bestByMean, finishAuto, scoresLine, seedGroups, soleMember, writeAuto } from '../../src/tune/auto-ensemble.js';
import { bestOf } from '../../src/tune/study.js';
import { trialMaker } from '../helpers/auto-plan.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-auto-ensemble-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 400, seed: 5 }));
const db = `sqlite:${join(dir, 'studies.db')}`;
const UNITS = 'model.layers[0].gru.units';

const trial = trialMaker();

test('the best configuration is the one with the best mean over its seeds, not the one with a lucky seed', async () => {
  const f = studyConfig(dir, 'means', '  strategy: auto\n');
  const base = resolveConfig((await loadConfig(f)).raw, 'means');
  // #a: a lucky 0.0498 and two seeds near 0.053; #b: 0.0500 and two seeds near 0.0505
  const a = trial({ [UNITS]: 8 }, 0.0498),
    b = trial({ [UNITS]: 6 }, 0.05);
  const trials = [
    trial({}, 0.09),
    a,
    b,
    trial({ [UNITS]: 8, seed: 43 }, 0.0526),
    trial({ [UNITS]: 8, seed: 44 }, 0.053),
    trial({ [UNITS]: 6, seed: 43 }, 0.0505),
    trial({ [UNITS]: 6, seed: 44 }, 0.051),
  ];
  assert.equal(bestOf(trials)!.number, a.number, 'by its own value the lucky seed wins');
  const [first, second] = bestByMean(base, trials);
  assert.deepEqual(
    first!.trials.map((t) => t.value),
    [0.05, 0.0505, 0.051],
  );
  assert.ok(Math.abs(first!.mean - 0.0505) < 1e-12);
  assert.equal(second!.trials[0]!.number, a.number);
  // a seed repeat the time budget stopped is no fair draw: left out of the mean
  const cut = trial({ [UNITS]: 6, seed: 45 }, 0.9, { stopped: 'time budget spent' });
  assert.equal(bestByMean(base, [...trials, cut])[0]!.trials.length, 3);
  // a configuration run with one seed is a group of its own, and not a candidate for the mean
  assert.equal(seedGroups(base, trials).length, 3);
  assert.equal(bestByMean(base, trials).length, 2);
});

test('an auto study ends with the best by mean, an ensemble of its seeds kept when it wins, and study show says so', async () => {
  // Three seeds of each of two sizes, trained by a grid so that the run folders are real; then the end of auto.
  const space =
    `  strategy: grid\n  jobs: 1\n  storage: ${db}\n` + `  space:\n    seed: [42, 43, 44]\n    ${UNITS}: [3, 6]\n`;
  const f = studyConfig(dir, 'seeds', space, 4);
  const r = await runCli(['tune', f]);
  assert.equal(r.code, 0, r.err);
  const storage = openStorage(db);
  const lines: string[] = [];
  try {
    const trials = await storage.getTrials('seeds');
    const base = resolveConfig((await loadConfig(f)).raw, 'seeds');
    const end = {
      storage,
      name: 'seeds',
      strategy: 'auto',
      objective: 'val_loss',
      base,
      log: (l: string) => lines.push(l),
    };
    const out = await finishAuto(end, trials, bestOf(trials));
    const top = bestByMean(base, trials)[0]!;
    assert.equal(out.best!.number, top.trials[0]!.number, 'the best seed of the best configuration by its mean');
    assert.equal(out.bestBy, 'by the mean over 3 seeds');
    const text = lines.join('\n');
    assert.match(text, /best by the mean over seeds: #\d+'s configuration: mean [\d.e-]+ over 3 seeds/);
    assert.match(
      text,
      new RegExp(
        "ensemble of (the 3 seeds of #\\d+'s configuration|the seeds of the best two configurations) \\(mean\\)|" +
          "ensemble of (#\\d+|the seeds of #\\d+'s configuration) and the linear baseline \\(blend\\): .* and " +
          '[\\d.e-]+ for the linear baseline alone: (not )?kept',
      ),
    );
    assert.match(
      text,
      new RegExp(
        String.raw`test MSE \(scaled\): (ensemble( \(not kept\))? [\d.e-]+, |ensemble \(not kept: [^)]+\), )?` +
          String.raw`best trial #\d+ [\d.e-]+, .*linear [\d.e-]+`,
      ),
    );
    const notKept = / ensemble \(not kept(\) [\d.e-]+|: [^)]+\)), best trial/.test(text);
    const attrs = (await storage.getStudy('seeds'))!.attrs;
    type Val = { ensemble: number; best: number; linear?: number };
    const e = attrs.ensemble as { kept: boolean; dir: string | null; val: Val };
    assert.equal(e.kept, e.val.ensemble < Math.min(e.val.best, e.val.linear ?? Infinity), 'kept when it beats each');
    assert.equal(notKept, !e.kept, 'the test line says when the ensemble is not the result');
    if (e.kept) {
      assert.equal(out.bestRun!.dir, e.dir);
      assert.equal(attrs.best_run_dir, e.dir);
      assert.ok(existsSync(join(e.dir!, 'ensemble.json')));
      const ev = await runCli(['evaluate', e.dir!, '--json']);
      assert.equal(ev.code, 0, ev.err);
    } else assert.equal(attrs.best_run_dir, out.best!.attrs.run_dir);
    const show = await runCli(['study', 'show', 'seeds', '--storage', db]);
    assert.equal(show.code, 0, show.err);
    assert.match(show.out, new RegExp(`best #${out.best!.number} `));
    assert.match(show.out, /best chosen by the mean over 3 seeds: [\d.e-]+ \(#\d+ is its best seed\)/);
    assert.match(show.out, /ensemble of .*: validation [\d.e-]+ vs [\d.e-]+ alone, (kept \(.+\)|not kept); test MSE/);
    const json = JSON.parse((await runCli(['study', 'show', 'seeds', '--storage', db, '--json'])).out);
    assert.equal(json.best.number, out.best!.number);
    assert.equal(json.best.seeds.length, 3);
    assert.equal(json.ensemble.kept, e.kept);
  } finally {
    await storage.close();
  }
});

test('a blend whose weights are all on one member is named as that member, not scored twice', () => {
  const members = [{ trial: 288 }, { trial: null }, { trial: 17 }] as never;
  assert.equal(soleMember({ method: 'blend', weights: [1, 0, 0], members }), '#288');
  assert.equal(soleMember({ method: 'blend', weights: [0, 1 - 1e-12, 0], members }), 'the linear baseline');
  assert.equal(soleMember({ method: 'blend', weights: [0.7, 0.3, 0], members }), undefined);
  assert.equal(soleMember({ method: 'mean', weights: [0.5, 0.5, 0], members }), undefined);
  assert.equal(soleMember({ method: 'stacked', weights: [[0, 1, 0, 0]], members }), undefined);
  const scores = { model: { mse: 0.07274 }, linear: { mse: 0.0794 } };
  assert.equal(
    scoresLine(scores, 288, { mse: 0.07274, kept: false, sole: '#288' }),
    'test MSE (scaled): ensemble (not kept: its weights are all on #288), best trial #288 0.07274, linear 0.07940',
  );
  assert.equal(
    scoresLine(scores, 288, { mse: 0.0701, kept: false }),
    'test MSE (scaled): ensemble (not kept) 0.07010, best trial #288 0.07274, linear 0.07940',
  );
  assert.match(scoresLine(scores, 288, { mse: 0.0701, kept: true }), /^test MSE \(scaled\): ensemble 0.07010, best/);
});

test("a member's removed run folder costs the ensemble, not the study: one line says why", async () => {
  const storage = openStorage(db);
  const lines: string[] = [];
  try {
    const trials = await storage.getTrials('seeds');
    const base = resolveConfig((await loadConfig(join(dir, 'seeds.yaml'))).raw, 'seeds');
    const top = bestByMean(base, trials)[0]!;
    const gone = top.trials[1]!.attrs.run_dir as string;
    renameSync(gone, `${gone}-moved`);
    try {
      const end = {
        storage,
        name: 'seeds',
        strategy: 'auto',
        objective: 'val_loss',
        base,
        log: (l: string) => lines.push(l),
      };
      const out = await finishAuto(end, trials, bestOf(trials));
      assert.equal(out.best!.number, top.trials[0]!.number);
      assert.equal(out.bestRun!.dir, top.trials[0]!.attrs.run_dir);
      assert.match(lines.join('\n'), /no ensemble: trial \d+'s run folder has no model/);
    } finally {
      renameSync(`${gone}-moved`, gone);
    }
  } finally {
    await storage.close();
  }
});

test('the end writes its ensemble once; an end that chose other members writes a new folder beside it', async () => {
  const at = mkdtempSync(join(tmpdir(), 'seqtune-write-auto-'));
  try {
    for (const t of ['trial-1', 'trial-2', 'trial-3']) {
      mkdirSync(join(at, t));
      writeFileSync(join(at, t, 'config.yaml'), `name: ${t}\n`);
    }
    const ens = (method: string, trials: string[]) =>
      ({
        method,
        members: trials.map((t, i) => ({ dir: `member-${i + 1}`, from: join(at, t) })),
      }) as unknown as Parameters<typeof writeAuto>[0];
    const first = await writeAuto(ens('mean', ['trial-1', 'trial-2']), join(at, 'trial-1'), 3);
    assert.equal(first, join(at, 'ensemble-after-3'));
    assert.equal(await writeAuto(ens('mean', ['trial-1', 'trial-2']), join(at, 'trial-1'), 3), first, 'once');
    const other = await writeAuto(ens('blend', ['trial-1', 'trial-3']), join(at, 'trial-1'), 3);
    assert.notEqual(other, first);
    assert.ok(existsSync(join(other, 'ensemble.json')) && existsSync(join(first, 'ensemble.json')));
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
});
