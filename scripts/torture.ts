// npm run torture [-- --rounds 50 --seed 1 --keep]: a small tuning study killed with SIGKILL at random moments (while
// a trial trains, while storage is written, while the best trial is trained into its run folder), each kill followed
// by `seqtune tune --resume` (every other one with --rerun-interrupted, every other one with 2 worker threads), then
// one resume left to finish. After every kill and at the end: SQLite's PRAGMA integrity_check is ok; every trial seen
// complete is still there, unchanged (nothing lost); trial numbers are unique and no interrupted trial is rerun twice
// (nothing counted twice); every run folder that is not a `*.partial-*` temporary is whole (its files there, its model
// loads with a matching checksum). Not part of `npm test`: it takes minutes. Prints the counts; exit 1 on a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { syntheticCsv } from '../src/data/index.js';
import { Rng } from '../src/nn/index.js';
import { type FrozenTrial, SqliteStorage } from '../src/storage/index.js';
import { loadModel } from '../src/train/index.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg('rounds', 50);
const rng = new Rng(arg('seed', 1));
const keep = process.argv.includes('--keep');

const dir = mkdtempSync(join(tmpdir(), 'seqtune-torture-'));
const db = join(dir, 'study.db');
const config = join(dir, 'torture.yaml');
const cli = join(import.meta.dirname, '..', 'test', 'helpers', 'cli.ts');
const root = join(import.meta.dirname, '..'); // the children run here, from source (their worker threads load tsx)
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 3000, seed: 9 }));
writeFileSync(
  config,
  `name: torture
data: {csv: series.csv, target: value, lookback: 32, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 16}}, {dense: {units: 1}}]}
train: {epochs: 30, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
  strategy: random
  storage: sqlite:study.db
  space:
    model.layers[0].gru.units: [12, 16, 20]
    train.optimizer.adam.learning_rate: {loguniform: [1.0e-3, 1.0e-1]}
`,
);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
};

interface Run {
  child: ChildProcess;
  out: string;
  exited: Promise<number | null>;
}
function start(args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'tune', config, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = { child, out: '', exited: new Promise((res) => child.once('exit', (code) => res(code))) };
  child.stdout!.on('data', (b: Buffer) => {
    run.out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    run.out += b.toString();
  });
  return run;
}

/** What the process was doing when it was killed, from what it had printed. */
function phase(out: string): string {
  if (/retraining it into a run folder/.test(out)) return 'best-trial retrain';
  if (/^trial \d+ (complete|pruned|failed)/m.test(out)) return 'trials (after one finished)';
  return 'first trial or start-up';
}

async function trials(): Promise<FrozenTrial[]> {
  if (!existsSync(db)) return [];
  const st = new SqliteStorage(db);
  try {
    return await st.getTrials('torture');
  } finally {
    await st.close();
  }
}

function integrityOk(): boolean {
  if (!existsSync(db)) return false;
  const h = new Database(db, { readonly: true });
  try {
    return (h.pragma('integrity_check', { simple: true }) as string) === 'ok';
  } finally {
    h.close();
  }
}

const completed = new Map<number, string>();
const key = (t: FrozenTrial) => JSON.stringify([t.state, t.value, t.params, t.intermediate]);

/** The study's invariants now: nothing lost, nothing twice. */
async function checkStudy(when: string): Promise<FrozenTrial[]> {
  if (!existsSync(db)) return []; // killed before the study was created
  check(integrityOk(), `${when}: PRAGMA integrity_check is not ok`);
  const all = await trials();
  const numbers = all.map((t) => t.number);
  check(new Set(numbers).size === numbers.length, `${when}: a trial number appears twice`);
  for (const [n, k] of completed) {
    const t = all.find((x) => x.number === n);
    check(t !== undefined && key(t) === k, `${when}: completed trial #${n} was lost or changed`);
  }
  for (const t of all) if (t.state === 'complete' && !completed.has(t.number)) completed.set(t.number, key(t));
  const reruns = all.map((t) => t.attrs.rerun_of).filter((r) => r !== undefined);
  check(new Set(reruns).size === reruns.length, `${when}: an interrupted trial was rerun twice`);
  for (const r of reruns)
    check(all.find((t) => t.number === r)?.state === 'failed', `${when}: rerun of #${r}, which is not failed`);
  return all;
}

/** Every folder under runs/ that is not a temporary one is whole. */
async function checkFolders(): Promise<{ whole: number; partial: number }> {
  const root = join(dir, 'runs');
  let whole = 0,
    partial = 0;
  const walk = async (d: string): Promise<void> => {
    for (const name of existsSync(d) ? readdirSync(d) : []) {
      const p = join(d, name);
      if (!statSync(p).isDirectory()) continue;
      if (name.includes('.partial-')) {
        partial++;
        continue;
      }
      if (!existsSync(join(p, 'model')) && !existsSync(join(p, 'metrics.json'))) {
        await walk(p); // a folder of run folders (runs/<name>/)
        continue;
      }
      for (const f of ['config.yaml', 'history.json', 'metrics.json', 'model/model.json', 'model/weights.bin'])
        check(existsSync(join(p, f)), `run folder ${p} has no ${f}`);
      try {
        (await loadModel(join(p, 'model'))).dispose();
        whole++;
      } catch (e) {
        check(false, `run folder ${p}: its model does not load (${(e as Error).message})`);
      }
    }
  };
  await walk(root);
  return { whole, partial };
}

async function main(): Promise<void> {
  const phases = new Map<string, number>();
  let kills = 0,
    exitedFirst = 0,
    typical = 8000; // ms a round takes when nothing kills it: the kill comes anywhere in [0.3 s, 1.1 x that]
  for (let round = 0; round < ROUNDS; round++) {
    const done = (await trials()).filter((t) => t.state !== 'running');
    const args = ['--trials', String(done.length + 4), '--jobs', round % 2 ? '2' : '1'];
    if (round > 0) args.push('--resume', ...(round % 4 === 1 ? ['--rerun-interrupted'] : []));
    const started = Date.now();
    const run = start(args);
    const delay = 300 + rng.uniform() * typical * 1.1;
    const timer = new Promise<'timeout'>((res) => setTimeout(() => res('timeout'), delay));
    const first = await Promise.race([run.exited, timer]);
    if (first === 'timeout') {
      run.child.kill('SIGKILL');
      await run.exited;
      kills++;
      phases.set(phase(run.out), (phases.get(phase(run.out)) ?? 0) + 1);
    } else {
      exitedFirst++;
      typical = (typical + (Date.now() - started)) / 2;
      check(first === 0, `round ${round}: exit ${first} before the kill:\n${run.out}`);
    }
    await checkStudy(`after round ${round + 1}`);
    process.stdout.write(
      `round ${round + 1}/${ROUNDS}: ${first === 'timeout' ? `killed at ${Math.round(delay)} ms` : `exit ${first}`}\n`,
    );
  }
  const last = start(['--resume', '--rerun-interrupted', '--jobs', '1']);
  const code = await last.exited;
  check(code === 0, `the final resume exited ${code}:\n${last.out}`);
  const all = await checkStudy('at the end');
  const folders = await checkFolders();
  const count = (s: string) => all.filter((t) => t.state === s).length;
  const interrupted = all.filter((t) => /interrupted/.test(t.error ?? '')).length;
  console.log(
    `\ntorture: ${ROUNDS} rounds, ${kills} SIGKILLs (${[...phases].map(([p, n]) => `${n} during ${p}`).join(', ')}), ` +
      `${exitedFirst} runs finished before their kill; final resume exit ${code}\n` +
      `study: ${all.length} trials: ${count('complete')} complete, ${count('failed')} failed ` +
      `(${interrupted} marked interrupted), ${count('pruned')} pruned, ${count('running')} running; ` +
      `${all.filter((t) => t.attrs.rerun_of !== undefined).length} reruns; ${completed.size} completed trials ` +
      'tracked across kills, none lost or changed\n' +
      `PRAGMA integrity_check: ${integrityOk() ? 'ok' : 'NOT ok'}; run folders: ${folders.whole} whole, ` +
      `${folders.partial} *.partial-* temporaries left by SIGKILL (never renamed into place)\n` +
      (failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'every check passed'),
  );
  if (!keep) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
  process.exit(failures.length ? 1 : 0);
}

await main();
