// Opening a study without --resume when another process creates it at the same moment; --resume of a finished one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig, resolveConfig } from '../../src/config/index.js';
import { syntheticCsv } from '../../src/data/index.js';
import { MemoryStorage, type StudyRecord } from '../../src/storage/index.js';
import { tuneSettings } from '../../src/tune/settings.js';
import { finishedAlready, openStudy } from '../../src/tune/study-open.js';
import { studyConfig } from '../helpers/study-config.js';

/** A storage where another process creates the study between this one's check and its create. */
class Racing extends MemoryStorage {
  private checks = 0;
  override async getStudy(name: string): Promise<StudyRecord | null> {
    if (this.checks++ === 0) {
      await this.createStudy(name, { by: 'the other process' });
      return null;
    }
    return super.getStudy(name);
  }
}

test('a study created by another run between the check and the create is refused in the same words as one found', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-open-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 1 })); // read before the create
    const f = studyConfig(dir, 'race', '  strategy: grid\n  space: {train.batch_size: [16, 32]}\n');
    const loaded = await loadConfig(f);
    const base = resolveConfig(loaded.raw, loaded.name);
    const context = (storage: MemoryStorage) => ({
      ...{ loaded, base, s: tuneSettings(base, f), storage, url: 'memory:', name: 'race' },
      ...{ o: {}, log: () => {} },
    });
    const words = /^study "race" already exists in memory:; add --resume to continue it or rename the config/;
    await assert.rejects(openStudy(context(new Racing())), { message: words }, 'lost the race');
    const found = new MemoryStorage();
    await found.createStudy('race', {});
    await assert.rejects(openStudy(context(found)), { message: words }, 'found it at the check');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume of a new study that another process creates at the same moment says it joins it, and checks its config', async () => {
  // two `tune --resume` of a study not made yet: both said 'creating it', the one that joined too, and it ran in the
  // study the other made, whatever config that one was made with
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-open-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 1 }));
    const f = studyConfig(dir, 'race', '  strategy: grid\n  space: {train.batch_size: [16, 32]}\n');
    const loaded = await loadConfig(f);
    const base = resolveConfig(loaded.raw, loaded.name);
    /** A storage where the other process creates the study, with `config`, between this one's check and create. */
    class Joined extends MemoryStorage {
      private checks = 0;
      constructor(private config: unknown) {
        super();
      }
      override async getStudy(name: string): Promise<StudyRecord | null> {
        if (this.checks++ === 0) {
          await this.createStudy(name, { config: this.config });
          return null;
        }
        return super.getStudy(name);
      }
    }
    const open = async (storage: MemoryStorage) => {
      const lines: string[] = [];
      const c = {
        ...{ loaded, base, s: tuneSettings(base, f), storage, url: 'memory:', name: 'race' },
        ...{ o: { resume: true }, log: (l: string) => lines.push(l) },
      };
      await openStudy(c);
      return { lines, created: (c as { created?: string }).created };
    };
    const storage = new Joined(base);
    const { lines, created } = await open(storage);
    assert.deepEqual(lines, [
      'resume: no study "race" in memory:; creating it',
      'resume: another process created study "race" meanwhile; this process joins it',
    ]);
    assert.equal(created, (await storage.getStudy('race'))!.created);
    const made = await open(new MemoryStorage());
    assert.deepEqual(made.lines, ['resume: no study "race" in memory:; creating it'], 'the creator says no more');
    const other = { ...base, train: { ...(base as { train: object }).train, batch_size: 7 } };
    await assert.rejects(open(new Joined(other)), /--resume: the config differs from the one study "race" was created/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume of a finished auto study names the best its end chose (by the steady value), not the lower dip', async () => {
  // airline passengers: "already finished: 14 trials, trial budget spent; best #13 val_loss 0.002371 in .../trial-11",
  // where the end and study show chose #11 (#13's value a dip of a noisy curve) and the folder is #11's
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-open-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 1 }));
    const f = studyConfig(dir, 'done', '  strategy: auto\n  trials: 2\n');
    const loaded = await loadConfig(f);
    const base = resolveConfig(loaded.raw, loaded.name);
    const storage = new MemoryStorage();
    await storage.createStudy('done', {
      config: base,
      finished: { reason: 'trial budget spent', trials: 2 },
      best_by_steady: { trial: 1, steady: 0.003, dip: { trial: 0, value: 0.002371, steady: 0.0064 } },
      best_run_dir: join(dir, 'runs', 'done', 'trial-1'),
      end_step: { by: 'host:1', trials: 2, at: '2026-01-01T00:00:00.000Z' },
    });
    for (const value of [0.002371, 0.003024]) {
      const t = await storage.createTrial('done', { n: value });
      await storage.finishTrial('done', t.number, 'complete', value);
    }
    const c = { loaded, base, s: tuneSettings(base, f), storage, url: 'memory:', name: 'done', o: {}, log: () => {} };
    const r = await finishedAlready(c);
    assert.equal(r?.best?.number, 1);
    assert.match(r!.finished!, /; best #1 val_loss 0\.003024 in .*trial-1; nothing to resume/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--resume with a larger trial budget counts an interrupted trial that ran again once, as the budget does', async () => {
  // a demo study of 3 trials whose #1 was interrupted and ran again as #2 holds 4: `--resume --trials 4` said
  // "already finished: 4 trials, trial budget spent; ... nothing to resume (raise --trials ...)"
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-open-'));
  try {
    writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 200, seed: 1 }));
    const f = studyConfig(dir, 'rerun', '  strategy: auto\n  trials: 3\n');
    const loaded = await loadConfig(f);
    const base = resolveConfig(loaded.raw, loaded.name);
    const storage = new MemoryStorage();
    await storage.createStudy('rerun', {
      config: base,
      finished: { reason: 'trial budget spent', trials: 4 },
      end_step: { by: 'host:1', trials: 4, at: '2026-01-01T00:00:00.000Z' },
    });
    const end = async (params: Record<string, unknown>, attrs: Record<string, unknown>, failed = false) => {
      const t = await storage.createTrial('rerun', params, attrs);
      await storage.finishTrial('rerun', t.number, failed ? 'failed' : 'complete', failed ? null : 0.1, {
        ...(failed ? { error: 'interrupted: SIGTERM', attrs: { retried_as: 2 } } : {}),
      });
    };
    await end({}, {});
    await end({ n: 1 }, {}, true);
    await end({ n: 1 }, { rerun_of: 1 });
    await end({ n: 2 }, {});
    const c = (o: { trials?: number }) => ({
      ...{ loaded, base, s: tuneSettings(base, f), storage, url: 'memory:', name: 'rerun', o, log: () => {} },
    });
    assert.match((await finishedAlready(c({})))!.finished!, /already finished: 4 trials, trial budget spent;/);
    assert.equal(await finishedAlready(c({ trials: 4 })), undefined, 'a fourth counted trial is left to run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
