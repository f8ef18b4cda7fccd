// npm run bench:data [-- --rows 100000,1000000] [-- --batches N] [-- --rounds R] [-- --no-peer] [-- --json]
// Data as large as memory holds once: generates CSVs of ROWS x 20 numeric columns (a random walk, 5 decimals) in a
// temporary folder, then for each, in its own child process (so peak RSS is per case): seqtune reads the CSV
// (readCsv), prepares it (encode, impute, split, standard scaling, windows of lookback 168), and trains GRU(32) ->
// Dense(1) with Adam on the training windows for N batches of 128 (after 2 warm-up batches); one epoch's time is
// the per-batch time times the epoch's batches (said so in the output: a full epoch over ~700,000 windows takes
// many minutes on 2 cores). The peer (scripts/bench-data.py, Debian's python3-pandas, run with /usr/bin/python3)
// reads the same file with pandas.read_csv and cuts the windows with numpy's sliding_window_view. With R rounds
// the two take turns and each figure is its best round (least seconds, most peak RSS; a shared machine's speed
// drifts).
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DataConfig, prepareTable, readCsv } from '../src/data/index.js';
import { adam, dense, gru, sequential } from '../src/index.js';
import { Rng } from '../src/nn/random.js';

const COLUMNS = 20,
  LOOKBACK = 168,
  BATCH = 128;

interface Result {
  peer: string;
  rows: number;
  read_s: number;
  window_s: number;
  batch_s?: number;
  epoch_s?: number;
  epoch_batches?: number;
  windows?: number;
  peak_rss_mb: number;
}

const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

function fail(message: string): never {
  console.error(`bench:data: ${message}`);
  process.exit(2);
}

function positiveInts(name: string, raw: string): number[] {
  const v = raw.split(',').map(Number);
  if (!v.every((n) => Number.isInteger(n) && n > LOOKBACK * 10))
    fail(`${name}: expected whole numbers above ${LOOKBACK * 10}, separated by commas, received "${raw}"`);
  return v;
}

/** A random walk per column, 5 decimals, header c0..c19. */
async function generate(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const rng = new Rng(7);
  const level = Array.from({ length: COLUMNS }, (_, j) => 10 + j);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write(`${level.map((_, j) => `c${j}`).join(',')}\n`);
  let lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < COLUMNS; j++) level[j]! += 0.1 * rng.normal();
    lines.push(level.map((v) => v.toFixed(5)).join(','));
    if (lines.length === 10_000) {
      await write(`${lines.join('\n')}\n`);
      lines = [];
    }
  }
  if (lines.length) await write(`${lines.join('\n')}\n`);
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
}

/** The seqtune side, in a child process: read, prepare (windows), then timed training batches. */
async function child(file: string, batches: number): Promise<Result> {
  const t0 = performance.now();
  const table = await readCsv(file);
  const t1 = performance.now();
  const cfg: DataConfig = { csv: file, target: 'c0', lookback: LOOKBACK, scale: 'standard' };
  const d = prepareTable(cfg, table);
  const t2 = performance.now();
  const model = sequential([gru({ units: 32, inputShape: [LOOKBACK, COLUMNS] }), dense({ units: 1 })], { seed: 1 });
  model.compile({ optimizer: adam({ learningRate: 1e-3 }), loss: 'mse' });
  const x = d.windows.train.inputs(),
    y = d.windows.train.targets();
  const N = d.windows.train.count;
  const order = model.rng.permutation(N);
  for (let b = 0; b < 2; b++) model.trainStep(x, y, order, b * BATCH, BATCH);
  const t3 = performance.now();
  for (let b = 0; b < batches; b++) model.trainStep(x, y, order, ((b + 2) * BATCH) % (N - BATCH), BATCH);
  const batchS = (performance.now() - t3) / 1000 / batches;
  const epochBatches = Math.ceil(N / BATCH);
  return {
    peer: 'seqtune',
    rows: table.rows,
    read_s: (t1 - t0) / 1000,
    window_s: (t2 - t1) / 1000,
    batch_s: batchS,
    epoch_s: batchS * epochBatches,
    epoch_batches: epochBatches,
    windows: N,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

function runChild(cmd: string, args: string[]): Result {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Result;
}

/** Each figure's best round (the least seconds; the most peak RSS, to be safe). */
function best(results: Result[]): Result {
  const min = (f: (r: Result) => number | undefined) => {
    const v = results.map(f).filter((x): x is number => x !== undefined);
    return v.length ? Math.min(...v) : undefined;
  };
  const r0 = results[0]!;
  const batch = min((r) => r.batch_s);
  return {
    ...r0,
    read_s: min((r) => r.read_s)!,
    window_s: min((r) => r.window_s)!,
    batch_s: batch,
    epoch_s: batch === undefined ? undefined : batch * r0.epoch_batches!,
    peak_rss_mb: Math.max(...results.map((r) => r.peak_rss_mb)),
  };
}

function table(rows: Result[]): string {
  const f = (v: number | undefined, d = 2) => (v === undefined ? '-' : v.toFixed(d));
  const head =
    '| rows | peer | read s | window s | train s/batch (128) | one epoch s (extrapolated) | peak RSS MB |\n' +
    '|---|---|---|---|---|---|---|';
  const body = rows.map(
    (r) =>
      `| ${r.rows.toLocaleString('en-US')} | ${r.peer} | ${f(r.read_s)} | ${f(r.window_s, 3)} | ` +
      `${f(r.batch_s, 4)} | ${r.epoch_s === undefined ? '-' : `${f(r.epoch_s, 0)} (${r.epoch_batches} batches)`} | ` +
      `${f(r.peak_rss_mb, 0)} |`,
  );
  return [head, ...body].join('\n');
}

async function main(): Promise<void> {
  if (argv[0] === '--child') {
    console.log(JSON.stringify(await child(argv[1]!, Number(argv[2]))));
    return;
  }
  const sizes = positiveInts('--rows', value('--rows') ?? '100000,1000000');
  const batches = Number(value('--batches') ?? '20'),
    rounds = Number(value('--rounds') ?? '1');
  if (!(Number.isInteger(batches) && batches > 0)) fail(`--batches: expected a positive whole number`);
  if (!(Number.isInteger(rounds) && rounds > 0)) fail(`--rounds: expected a positive whole number`);
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-bench-data-'));
  const here = fileURLToPath(new URL('.', import.meta.url));
  const results: Result[] = [];
  try {
    for (const rows of sizes) {
      const file = join(dir, `walk-${rows}.csv`);
      await generate(file, rows);
      const ours: Result[] = [],
        peer: Result[] = [];
      for (let r = 0; r < rounds; r++) {
        ours.push(
          runChild(process.execPath, ['--import', 'tsx', join(here, 'bench-data.ts'), '--child', file, `${batches}`]),
        );
        if (!argv.includes('--no-peer')) peer.push(runChild('/usr/bin/python3', [join(here, 'bench-data.py'), file]));
      }
      results.push(best(ours), ...(peer.length ? [best(peer)] : []));
      console.error(`bench:data: ${rows} rows done`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(argv.includes('--json') ? JSON.stringify(results, null, 2) : table(results));
}

await main();
