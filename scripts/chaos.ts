// node --import tsx scripts/chaos.ts [--backend sqlite|pg] [--strategy random|tpe|auto] [--jobs 1|2] [--procs 3]
//   [--seconds 40] [--seed 1] [--trials 24 | --time-budget S] [--pg-terminate P] [--keep]
// One small study shared by several `seqtune tune --resume` and `seqtune worker` processes (from dist/: build first),
// a random one of them sent SIGKILL, SIGTERM or SIGINT at random moments (a third of the time a second signal while
// the first one's stop runs) and started again; with --backend pg and --pg-terminate P, a turn ends a random backend
// of the database (pg_terminate_backend) with chance P instead. Then a last `tune --resume` finishes the study.
// Checks: a SIGTERM or SIGINT exits with 143 / 130 and a line naming it (stops slower than 3 s are printed); no
// process exits otherwise unasked; nothing prints a stack or a bug; then test/helpers/study-invariants.ts on storage
// and the run folders (numbers dense, no trial running or waiting, complete trials with values and whole run
// folders, none for a failed trial, no `*.partial*` temporary, the trial budget kept, the best the lowest value but
// for auto) and `study show`, `study ls`, `study ensemble` and another `tune --resume` exit 0; with a time budget,
// the last resume ends within it and 20 s. Not part of `npm test` (test/cli/study-chaos.test.ts is its small,
// deterministic version); PostgreSQL: SEQTUNE_TEST_PG. Prints the counts; exit 1 on a failure (the folder is kept).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticCsv } from '../src/data/index.js';
import { Rng } from '../src/nn/index.js';
import type { FrozenTrial } from '../src/storage/index.js';
import { bestProblems, folderProblems, storedTrials } from '../test/helpers/study-invariants.js';

const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
};
const backend = arg('backend', 'sqlite');
const strategy = arg('strategy', 'random');
const jobs = Number(arg('jobs', '1'));
const procs = Number(arg('procs', '3'));
const seconds = Number(arg('seconds', '40'));
const seed = Number(arg('seed', '1'));
const nTrials = Number(arg('trials', '24'));
const pgTerminate = Number(arg('pg-terminate', '0')); // the chance that a turn ends a backend, not a process
const timeBudget = Number(arg('time-budget', '0')); // seconds; 0: none (the trial budget alone)
const keep = process.argv.includes('--keep');
const rng = new Rng(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng.uniform() * xs.length)]!;

const dir = mkdtempSync(join(tmpdir(), 'seqtune-chaos-'));
const name = `chaos_${strategy}_${jobs}_${seed}_${process.pid}`;
const config = join(dir, 'chaos.yaml');
const bin = join(import.meta.dirname, '..', 'bin', 'seqtune.js');
const pg = process.env.SEQTUNE_TEST_PG;
if (backend === 'pg' && !pg) throw new Error('--backend pg needs SEQTUNE_TEST_PG');
const url = backend === 'pg' ? pg! : `sqlite:${join(dir, 'study.db')}`;
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 1200, seed: 9 }));
const space =
  strategy === 'auto'
    ? ''
    : `  space:
    model.layers[0].gru.units: [6, 8, 12]
    train.optimizer.adam.learning_rate: {loguniform: [1.0e-3, 1.0e-1]}
`;
writeFileSync(
  config,
  `name: ${name}
seed: ${seed}
data: {csv: series.csv, target: value, lookback: 12, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 8}}, {dense: {units: 1}}]}
train: {epochs: 30, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
  strategy: ${strategy}
  ${timeBudget ? `time_budget: ${timeBudget}s` : `trials: ${nTrials}`}
  jobs: ${jobs}
  heartbeat: 1s
  storage: ${url}
${space}`,
);

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  if (!ok) failures.push(what);
  return ok;
};

const outputs: string[] = [];
const slow: string[] = [];
interface Proc {
  kind: 'tune' | 'worker';
  child: ChildProcess;
  out: string;
  code: number | null | undefined;
  exited: Promise<number | null>;
}
const tuneArgs = ['tune', config, '--resume'];
const workerArgs = () => ['worker', '--storage', url, '--study', name];

function start(kind: 'tune' | 'worker', args = kind === 'tune' ? tuneArgs : workerArgs()): Proc {
  const child = spawn('nice', ['-n', '10', process.execPath, bin, ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const p: Proc = { kind, child, out: '', code: undefined, exited: Promise.resolve(null) };
  p.exited = new Promise((res) =>
    child.once('exit', (code, sig) => {
      p.code = code ?? (sig ? -1 : null);
      outputs.push(`${kind} ${args.join(' ')} (exit ${p.code}):\n${p.out}`);
      res(p.code);
    }),
  );
  child.stdout!.on('data', (b: Buffer) => {
    p.out += b.toString();
  });
  child.stderr!.on('data', (b: Buffer) => {
    p.out += b.toString();
  });
  return p;
}

async function run(args: string[]): Promise<{ code: number | null; out: string }> {
  const p = start('tune', args);
  const code = await p.exited;
  return { code, out: p.out };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, sleep(ms).then(() => 'timeout' as const)]) as Promise<T | 'timeout'>;

const stats = {
  KILL: 0,
  TERM: 0,
  INT: 0,
  duringLoad: 0,
  second: 0,
  slowestStopMs: 0,
  pgTerminated: 0,
  exited0: 0,
  restarts: 0,
};

/** Ends a random backend of the study's database (not this script's own). */
async function terminateBackend(): Promise<void> {
  const { default: pgLib } = await import('pg');
  const c = new pgLib.Client({ connectionString: pg });
  await c.connect();
  try {
    const r = await c.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
         AND backend_type = 'client backend'`,
    );
    if (r.rows.length === 0) return;
    const pid = pick(r.rows).pid as number;
    await c.query('SELECT pg_terminate_backend($1)', [pid]);
    stats.pgTerminated++;
  } finally {
    await c.end();
  }
}

async function signal(ps: Proc[], i: number): Promise<void> {
  const p = ps[i]!;
  const sig = pick(['SIGKILL', 'SIGTERM', 'SIGINT'] as const);
  // a second signal while the first one's stop runs: again the same, or a SIGKILL
  const then = rng.uniform() < 0.3 ? pick([sig, 'SIGKILL'] as const) : null;
  const tag = `${p.kind} pid ${p.child.pid} ${sig}${then ? ` then ${then}` : ''}`;
  // nice runs node with exec: the pid is node's
  p.child.kill(sig);
  stats[sig.slice(3) as 'KILL' | 'TERM' | 'INT']++;
  const sent = Date.now();
  if (then && sig !== 'SIGKILL') {
    await sleep(20 + rng.uniform() * 400);
    if (p.code === undefined) {
      p.child.kill(then);
      stats.second++;
    }
  }
  const code = await within(p.exited, 20_000);
  if (sig !== 'SIGKILL' && code !== 'timeout') stats.slowestStopMs = Math.max(stats.slowestStopMs, Date.now() - sent);
  if (sig !== 'SIGKILL' && code !== 'timeout' && Date.now() - sent > 3000)
    slow.push(`${tag}: ${Date.now() - sent} ms to exit ${code}:\n${p.out.slice(-1500)}`);
  if (code === 'timeout') {
    check(false, `${tag}: still running 20 s after the signal:\n${p.out.slice(-2000)}`);
    p.child.kill('SIGKILL');
    await p.exited;
  } else if (code === -1 && p.out === '' && sig !== 'SIGKILL') {
    stats.duringLoad++; // before main() set its handlers (node still loading the modules): the default action
  } else if (sig !== 'SIGKILL' && !(then === 'SIGKILL' && code === -1)) {
    const want = sig === 'SIGTERM' ? 143 : 130;
    // exit 0: it had finished its work as the signal came
    if (code !== 0)
      check(code === want, `${tag}: exit ${code}, expected ${want}:\n${p.out.slice(-2000)}`) &&
        // a second signal exits at once, silently (main.ts): only the first one's stop says what it did
        (then !== null || check(new RegExp(sig).test(p.out), `${tag}: no line naming ${sig}:\n${p.out.slice(-2000)}`));
  }
  stats.restarts++;
  ps[i] = start(p.kind);
}

async function chaos(): Promise<void> {
  const created = await run(['study', 'create', config]);
  check(created.code === 0, `study create exited ${created.code}:\n${created.out}`);
  const ps: Proc[] = [];
  for (let i = 0; i < procs; i++) ps.push(start(i % 2 === 0 ? 'tune' : 'worker'));
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(500 + rng.uniform() * 3000);
    for (const [i, p] of ps.entries())
      if (p.code !== undefined) {
        if (p.code === 0) stats.exited0++;
        else check(false, `${p.kind} exited ${p.code} unasked:\n${p.out.slice(-3000)}`);
        ps[i] = start(p.kind); // a study whose budget is spent: it exits 0 again at once
      }
    if (backend === 'pg' && rng.uniform() < pgTerminate) await terminateBackend().catch(() => {});
    else await signal(ps, Math.floor(rng.uniform() * ps.length));
  }
  for (const p of ps) {
    const code = await within(p.exited, 300_000); // auto's end step on a loaded machine: minutes
    if (code === 'timeout') {
      check(false, `${p.kind} still running 300 s after the chaos ended:\n${p.out.slice(-3000)}`);
      p.child.kill('SIGKILL');
      await p.exited;
    } else check(code === 0, `${p.kind} exited ${code} after the chaos:\n${p.out.slice(-3000)}`);
  }
}

async function checkCommands(trials: FrozenTrial[]): Promise<void> {
  const show = await run(['study', 'show', name, '--storage', url, '--json']);
  if (check(show.code === 0, `study show exited ${show.code}:\n${show.out}`)) {
    const j = JSON.parse(show.out.slice(show.out.indexOf('{')));
    // auto's best is the lowest steady value of a curve (or seed mean), not the lowest value
    if (strategy !== 'auto') for (const l of bestProblems(j, trials)) check(false, `study show: ${l}`);
  }
  const ls = await run(['study', 'ls', '--storage', url, '--json']);
  check(ls.code === 0, `study ls exited ${ls.code}:\n${ls.out}`);
  const ens = await run(['study', 'ensemble', name, '--storage', url, '--top', '2']);
  check(ens.code === 0, `study ensemble exited ${ens.code}:\n${ens.out}`);
  const again = await run(tuneArgs);
  check(again.code === 0, `a last tune --resume exited ${again.code}:\n${again.out}`);
}

async function main(): Promise<void> {
  const t0 = Date.now();
  await chaos();
  const t1 = Date.now();
  const fin = await run(tuneArgs);
  const took = (Date.now() - t1) / 1000;
  // its budget counts from its start (each process's own), and it ends within it plus the rest of one trial
  if (timeBudget)
    check(took < timeBudget + 20, `the finishing tune --resume took ${took} s, its time budget ${timeBudget} s`);
  check(fin.code === 0, `the finishing tune --resume exited ${fin.code}:\n${fin.out}`);
  const { trials, problems } = await storedTrials(url, name, {
    trials: timeBudget ? undefined : nTrials,
    baseline: strategy === 'auto',
  });
  for (const l of [...problems, ...(await folderProblems(join(dir, 'runs'), trials))]) check(false, l);
  const odd = /bug in seqtune|TypeError|ReferenceError|RangeError|Unhandled|could not be failed|\n\s+at \S+ \(/;
  for (const o of outputs) check(!odd.test(o), `odd output:\n${o.slice(-3000)}`);
  await checkCommands(trials);
  const count = (s: string) => trials.filter((t) => t.state === s).length;
  console.log(
    `chaos ${backend} ${strategy} jobs ${jobs} seed ${seed}: ${Math.round((Date.now() - t0) / 1000)} s; ` +
      `${JSON.stringify(stats)}; ${trials.length} trials: ${count('complete')} complete, ${count('failed')} failed, ` +
      `${count('pruned')} pruned\n` +
      (failures.length ? `FAILED:\n  ${failures.join('\n  ')}` : 'every check passed'),
  );
  if (slow.length) console.log(`slow stops:\n${slow.join('\n')}`);
  if (!keep && failures.length === 0) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
  process.exit(failures.length ? 1 : 0);
}

await main();
