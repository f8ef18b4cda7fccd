// npm run bench:search: what samplers find in a short budget. seqtune's tpe (sequential, and 4 simulated parallel
// workers: ask 4, then tell 4), seqtune random, and Optuna's TPE (independent and multivariate; through
// /usr/bin/python3 and scripts/bench-search-optuna.py when Debian's python3-optuna is there) on the problems of
// scripts/bench-search-problems.ts, SEEDS seeds x TRIALS trials through the ask/tell API. Reports the median and
// interquartile range over seeds of the best value at 20, 40 and 60 trials, the share of numerical proposals
// that sit exactly on a bound, and ask+tell latency at trial 500 (memory storage).
//
//   npm run bench:search [-- --seeds 20 --seed0 1 --trials 60 --only Branin --no-optuna --only-tpe --no-latency
//                         --latency-only --tpe '{"nStartup":8}' --no-cache --dump FILE]
//
// --dump FILE writes every curve (per problem, sampler and seed, the best value after each trial) as JSON, for
// paired comparisons of two runs seed by seed (the median of 20 seeds is too noisy to tell apart most changes of a
// default).
//
// Optuna's curves do not change when seqtune's sampler does, so each (problem, seed, trials, mode) is kept in
// $BENCH_SEARCH_CACHE (default: the system's temporary folder, seqtune-bench-search/), keyed by a hash of the
// problem's space and objective, the noise, the driver script and Optuna's mode; --no-cache runs Optuna again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createStudy, type Params, RandomSampler, type TpeOptions, TpeSampler } from '../src/index.js';
import { Rng } from '../src/nn/random.js';
import type { Sampler } from '../src/tune/index.js';
import { parseSpace } from '../src/tune/space.js';
import { NOISE, PROBLEMS, type Problem } from './bench-search-problems.js';
import { processor } from './processor.js';

const flag = (k: string) => process.argv.includes(`--${k}`);
const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1]! : d;
};
const SEEDS = Number(arg('seeds', '20'));
const TRIALS = Number(arg('trials', '60'));
const SEED0 = Number(arg('seed0', '1'));
const TPE: TpeOptions = JSON.parse(arg('tpe', '{}'));
const PYTHON = '/usr/bin/python3';
const MARKS = [20, 40, 60].filter((m) => m <= TRIALS);
const LATENCY_STUDIES = 5;
const CACHE = process.env.BENCH_SEARCH_CACHE ?? join(tmpdir(), 'seqtune-bench-search');

/** Observation noise of trial i of a seed: the same for every sampler. */
const noise = (p: Problem, seed: number, i: number) => (p.noisy ? NOISE * new Rng(seed * 7919 + i).normal() : 0);

/** Best-so-far curve: after each trial, the noise-free value of the trial observed best. */
class Curve {
  readonly values: number[] = [];
  private bestSeen = Infinity;
  private bestTrue = Infinity;
  add(f: number, observed: number) {
    if (observed < this.bestSeen) [this.bestSeen, this.bestTrue] = [observed, f];
    this.values.push(this.bestTrue);
  }
}

interface Tally {
  onBound: number;
  numeric: number;
}

function countBounds(p: Problem, params: Params, tally: Tally) {
  for (const q of parseSpace(p.space, 1)) {
    const v = params[q.name];
    if (q.dist.kind !== 'float' || v === undefined) continue;
    tally.numeric++;
    if (v === q.dist.lo || v === q.dist.hi) tally.onBound++;
  }
}

async function runSeqtune(p: Problem, seed: number, sampler: Sampler, batch: number, tally?: Tally) {
  const study = await createStudy({ name: 'bench', space: p.space, sampler, seed });
  const curve = new Curve();
  const startup = sampler instanceof TpeSampler ? sampler.startup(parseSpace(p.space, 1)) : Infinity;
  while (curve.values.length < TRIALS) {
    const asked = [];
    for (let j = 0; j < batch && curve.values.length + j < TRIALS; j++) asked.push((await study.ask())!);
    for (const t of asked) {
      const f = p.f(t.params),
        y = f + noise(p, seed, t.number);
      await study.tell(t, y);
      curve.add(f, y);
      if (tally && t.number >= startup) countBounds(p, t.params, tally);
    }
  }
  await study.close();
  return curve.values;
}

/** Optuna in one Python process, driven line by line. */
class Optuna {
  private readonly proc = spawn(PYTHON, ['scripts/bench-search-optuna.py'], { stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly waiting: ((v: Record<string, unknown>) => void)[] = [];
  constructor() {
    createInterface({ input: this.proc.stdout }).on('line', (l) => this.waiting.shift()!(JSON.parse(l)));
  }
  call(o: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(`${JSON.stringify(o)}\n`);
    });
  }
  quit() {
    this.proc.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
  }
  async start(p: Problem, seed: number, multivariate: boolean) {
    const space = parseSpace(p.space, 1).map((q) => ({ name: q.name, when: q.when ?? null, ...q.dist }));
    const group = multivariate && space.some((q) => q.when);
    await this.call({ op: 'start', space, seed, multivariate, group });
  }
  /** The best-so-far curve, from the cache when this problem, seed and mode were run before. */
  async run(p: Problem, seed: number, multivariate: boolean): Promise<number[]> {
    const key = JSON.stringify([p.name, p.space, p.f.toString(), p.noisy && NOISE, seed, TRIALS, multivariate]);
    const driver = readFileSync('scripts/bench-search-optuna.py', 'utf8');
    const file = join(CACHE, `${createHash('sha256').update(key).update(driver).digest('hex').slice(0, 24)}.json`);
    if (!flag('no-cache') && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as number[];
    const curve = await this.fresh(p, seed, multivariate);
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(file, JSON.stringify(curve));
    return curve;
  }
  private async fresh(p: Problem, seed: number, multivariate: boolean) {
    await this.start(p, seed, multivariate);
    const curve = new Curve();
    for (let i = 0; i < TRIALS; i++) {
      const { params } = (await this.call({ op: 'ask' })) as { params: Params };
      const f = p.f(params),
        y = f + noise(p, seed, i);
      await this.call({ op: 'tell', value: y });
      curve.add(f, y);
    }
    return curve.values;
  }
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b),
    i = q * (s.length - 1);
  return s[Math.floor(i)]! + (s[Math.ceil(i)]! - s[Math.floor(i)]!) * (i - Math.floor(i));
};
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : Number(x.toPrecision(3)).toString());
const cell = (xs: number[]) => `${fmt(quantile(xs, 0.5))} [${fmt(quantile(xs, 0.25))}, ${fmt(quantile(xs, 0.75))}]`;

type Curves = Map<string, number[][]>;

async function benchProblem(p: Problem, optuna: Optuna | null): Promise<Curves> {
  const curves: Curves = new Map();
  const add = (k: string, c: number[]) => curves.set(k, [...(curves.get(k) ?? []), c]);
  const tally: Tally = { onBound: 0, numeric: 0 };
  for (let seed = SEED0; seed < SEED0 + SEEDS; seed++) {
    add('seqtune tpe', await runSeqtune(p, seed, new TpeSampler(TPE), 1, tally));
    if (flag('only-tpe')) continue;
    add('seqtune tpe, 4 parallel', await runSeqtune(p, seed, new TpeSampler(TPE), 4));
    add('seqtune tpe independent', await runSeqtune(p, seed, new TpeSampler({ ...TPE, multivariate: false }), 1));
    add('seqtune random', await runSeqtune(p, seed, new RandomSampler(), 1));
    if (optuna) {
      add('Optuna TPE', await optuna.run(p, seed, false));
      add('Optuna TPE multivariate', await optuna.run(p, seed, true));
    }
  }
  const share = tally.numeric ? ((100 * tally.onBound) / tally.numeric).toFixed(2) : '-';
  console.log(`\n### ${p.name} (min ${p.min})\n`);
  console.log(`| sampler | ${MARKS.map((m) => `best at ${m}`).join(' | ')} |`);
  console.log(`|---|${MARKS.map(() => '---|').join('')}`);
  for (const [k, cs] of curves)
    console.log(`| ${k} | ${MARKS.map((m) => cell(cs.map((c) => c[m - 1]!))).join(' | ')} |`);
  console.log(`\nseqtune tpe proposals after start-up exactly on a bound: ${share}% of ${tally.numeric}`);
  return curves;
}

/** The goals of issue 21 at the last mark, as one line per problem. */
function verdict(p: Problem, c: Curves) {
  const at = (k: string) => (c.get(k) ?? []).map((x) => x[TRIALS - 1]!);
  const med = (k: string) => quantile(at(k), 0.5);
  const seq = at('seqtune tpe'),
    spread = quantile(seq, 0.75) - quantile(seq, 0.25);
  const parts = [
    `4 parallel - sequential ${fmt(med('seqtune tpe, 4 parallel') - med('seqtune tpe'))} (IQR ${fmt(spread)})`,
  ];
  if (c.has('Optuna TPE'))
    parts.push(
      `vs Optuna multivariate ${fmt(med('seqtune tpe') - med('Optuna TPE multivariate'))}`,
      `vs Optuna independent ${fmt(med('seqtune tpe') - med('Optuna TPE'))}`,
    );
  console.log(`- ${p.name}: median differences at ${TRIALS} (negative: seqtune tpe better): ${parts.join('; ')}`);
}

/**
 * Ask+tell at trials 500-519 in memory storage, in LATENCY_STUDIES studies (seeds 1, 2, ...): the median over all of
 * them of the wall time, and of this process's CPU time (user + system, less hurt by other processes' load).
 */
async function latency(p: Problem, optuna: Optuna | null) {
  const wall: number[] = [],
    cpu: number[] = [],
    oms: number[] = [];
  for (let seed = 1; seed <= LATENCY_STUDIES; seed++) {
    const study = await createStudy({ name: 'lat', space: p.space, sampler: new TpeSampler(TPE), seed });
    for (let i = 0; i < 520; i++) {
      const t0 = performance.now(),
        c0 = process.cpuUsage();
      const t = (await study.ask())!;
      await study.tell(t, p.f(t.params));
      const c = process.cpuUsage(c0);
      if (i >= 500) wall.push(performance.now() - t0), cpu.push((c.user + c.system) / 1000);
    }
    await study.close();
  }
  if (optuna) {
    await optuna.start(p, 1, true);
    for (let i = 0; i < 520; i++) {
      const a = await optuna.call({ op: 'ask' });
      const b = await optuna.call({ op: 'tell', value: p.f(a.params as Params) });
      if (i >= 500) oms.push((a.ms as number) + (b.ms as number));
    }
  }
  const o = oms.length ? `; Optuna multivariate ${fmt(quantile(oms, 0.5))} ms wall (one study)` : '';
  console.log(
    `- ${p.name}: seqtune tpe ask+tell at trials 500-519 of ${LATENCY_STUDIES} studies, median ` +
      `${fmt(quantile(wall, 0.5))} ms wall (90th percentile ${fmt(quantile(wall, 0.9))}), ` +
      `${fmt(quantile(cpu, 0.5))} ms CPU; load average ${loadavg()[0]!.toFixed(1)}${o}`,
  );
}

async function main() {
  const only = arg('only', '');
  const problems = PROBLEMS.filter((p) => !only || p.name.startsWith(only));
  const optuna = !flag('no-optuna') && existsSync(PYTHON) ? new Optuna() : null;
  console.log(
    `${SEEDS} seeds x ${TRIALS} trials; median [25th, 75th percentile] of the best value; tpe ${JSON.stringify(TPE)}`,
  );
  const all = [];
  if (!flag('latency-only')) for (const p of problems) all.push([p, await benchProblem(p, optuna)] as const);
  const dump = arg('dump', '');
  if (dump) {
    const curves = all.map(([p, c]) => ({ problem: p.name, seed0: SEED0, curves: Object.fromEntries(c) }));
    writeFileSync(dump, JSON.stringify({ tpe: TPE, trials: TRIALS, problems: curves }));
  }
  if (all.length) console.log('\nGoals:\n');
  for (const [p, c] of all) verdict(p, c);
  if (!flag('no-latency')) {
    const cpu = processor();
    console.log(`\nLatency (memory storage; ${cpu}; load average ${loadavg()[0]!.toFixed(1)} at the start):\n`);
    for (const p of problems) await latency(p, optuna);
  }
  optuna?.quit();
}

await main();
