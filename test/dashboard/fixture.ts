// A small stored study with run folders for the dashboard's tests: a grid of two trials trained by `seqtune tune`
// into a temporary folder, plus a study named with HTML characters (made through the storage, no training).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticCsv } from '../../src/data/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { studyConfig } from '../helpers/study-config.js';

export const HTML_NAME = '<img src=x onerror=alert(1)>';

export interface Fixture {
  dir: string;
  db: string;
  url: string;
  runs: string;
  /** What `seqtune tune` printed. */
  tuneOut: string;
}

/** Trains the study `grid2` (two trials, three epochs) and stores the HTML-named one beside it. */
export async function makeFixture(prefix: string): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 300, seed: 3 }));
  const db = join(dir, 'studies.db');
  const f = studyConfig(dir, 'grid2', '  strategy: grid\n  jobs: 1\n  space:\n    model.layers[0].gru.units: [3, 5]\n');
  const r = await runCli(['tune', f, '--storage', `sqlite:${db}`]);
  if (r.code !== 0) throw new Error(`tune failed: ${r.err}`);
  const st = new SqliteStorage(db);
  await st.createStudy(HTML_NAME, { strategy: 'random' });
  const t = await st.createTrial(HTML_NAME, { '<b>param</b>': '<script>x</script>' }, { why: '<i>why</i>' });
  await st.report(HTML_NAME, t.number, 0, 0.5);
  await st.finishTrial(HTML_NAME, t.number, 'complete', 0.5);
  await st.close();
  return { dir, db, url: `sqlite:${db}`, runs: join(dir, 'runs'), tuneOut: r.out };
}
