// Tuning's worker threads share the study's prepared series (SharedArrayBuffer) instead of each reading the CSV
// and building its own copy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { loadConfig } from '../../src/config/index.js';
import {
  type DataConfig,
  fromShared,
  type PreparedData,
  prepareData,
  rewindow,
  seriesKey,
  shareData,
  syntheticCsv,
} from '../../src/data/index.js';
import { runStudy } from '../../src/tune/index.js';
import { studyConfig } from '../helpers/study-config.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-shared-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** Sends a message through a MessageChannel, as postMessage to a worker does (a structured clone). */
function sent<T>(v: T): Promise<T> {
  const ch = new MessageChannel();
  return new Promise((res) => {
    ch.port2.once('message', (m: T) => {
      ch.port1.close();
      res(m);
    });
    ch.port1.postMessage(v);
  });
}

test('shareData carries the prepared series to another thread without copying it; the windows read the same', async () => {
  writeFileSync(join(dir, 's.csv'), syntheticCsv({ length: 300, seed: 2 }));
  const d: PreparedData = await prepareData(
    { csv: 's.csv', time: 'time', target: 'value', lookback: 6, horizon: 2, relative: true },
    join(dir, 's.csv'),
  );
  assert.ok(d.scaledFeatures[0]!.buffer instanceof SharedArrayBuffer, 'the scale stage allocates shared memory');
  const there = fromShared(await sent(shareData(d)));
  for (const k of ['train', 'val', 'test'] as const) assert.deepEqual(there.windows[k].copy(), d.windows[k].copy());
  there.scaledFeatures[0]![10] = 123;
  assert.equal(d.scaledFeatures[0]![10], 123, 'one series in memory, not a copy per thread');
});

test('--jobs 2: the workers train on the study data the main thread prepared (the CSV is not read again)', async () => {
  const csv = join(dir, 'series.csv');
  writeFileSync(csv, syntheticCsv({ length: 400, seed: 5 }));
  const f = studyConfig(
    dir,
    'shared',
    `  strategy: grid\n  trials: 2\n  jobs: 2\n  storage: sqlite:${join(dir, 'shared.db')}\n` +
      '  space:\n    model.layers[0].gru.units: [3, 4]\n',
    2,
  );
  // Once the loop starts the data has been prepared and handed to the workers: a worker that read the CSV itself
  // would now fail its trial.
  const r = await runStudy(await loadConfig(f), {
    log: () => {},
    saveBest: false,
    onTrials: () => rmSync(csv, { force: true }),
  });
  assert.deepEqual(
    r.trials.map((t) => [t.state, t.attrs.error ?? null]),
    [
      ['complete', null],
      ['complete', null],
    ],
  );
});

test('rewindow cuts the windows of another lookback, horizon or relative setting from the same series', async () => {
  const f = join(dir, 's.csv');
  const cfg: DataConfig = { csv: 's.csv', time: 'time', target: 'value', lookback: 6 };
  const d = await prepareData(cfg, f);
  for (const other of [{ lookback: 20 }, { horizon: 3, relative: true }, { stride: 2 }]) {
    const c = { ...cfg, ...other };
    assert.equal(seriesKey(c), seriesKey(cfg));
    const fresh = await prepareData(c, f),
      cut = rewindow(d, c, f);
    assert.deepEqual(cut.ranges, fresh.ranges);
    for (const k of ['train', 'val', 'test'] as const) assert.deepEqual(cut.windows[k].copy(), fresh.windows[k].copy());
    assert.equal(cut.scaledFeatures, d.scaledFeatures, 'the same series, not a copy');
  }
  assert.notEqual(seriesKey({ ...cfg, scale: 'minmax' }), seriesKey(cfg));
  assert.throws(() => rewindow(d, { ...cfg, lookback: 400 }, f), /one window needs lookback 400/);
});

test('--jobs 2 tuning the lookback: the workers cut the windows of each lookback from the shared series', async () => {
  const csv = join(dir, 'series.csv');
  writeFileSync(csv, syntheticCsv({ length: 400, seed: 5 }));
  const f = studyConfig(
    dir,
    'lookbacks',
    `  strategy: grid\n  trials: 2\n  jobs: 2\n  storage: sqlite:${join(dir, 'lookbacks.db')}\n` +
      '  space:\n    data.lookback: [8, 16]\n',
    2,
  );
  const r = await runStudy(await loadConfig(f), {
    log: () => {},
    saveBest: false,
    onTrials: () => rmSync(csv, { force: true }),
  });
  assert.deepEqual(
    r.trials.map((t) => [t.params['data.lookback'], t.state, t.attrs.error ?? null]),
    [
      [8, 'complete', null],
      [16, 'complete', null],
    ],
  );
});
