// Two rows of npm run bench:search compared seed by seed, from the files its --dump writes: at the last trial, the
// difference of medians, how many seeds each row wins, and how often a median over `--draw` seeds drawn again from
// these (bootstrap) puts row A behind row B, and, when the dumps hold several sets of `--draw` seeds, in how many of
// the disjoint sets (the seeds in order, `--draw` at a time) A's median is not behind. With 20 seeds the median moves
// a lot between seed sets; this says how much of a difference seen on one set the seeds alone would make.
//
//   node --import tsx scripts/bench-search-compare.ts A.json [B.json] --a 'seqtune tpe' --b 'Optuna TPE multivariate'
//        [--only PROBLEM --draw 20]
//
// Rows A and B may come from one dump (two samplers of one run) or from two (the same sampler before and after a
// change: --a and --b name the row, A.json and B.json the runs); the dumps must cover the same problems and seeds.
import { readFileSync } from 'node:fs';
import { Rng } from '../src/nn/random.js';

interface Dump {
  trials: number;
  problems: { problem: string; seed0: number; curves: Record<string, number[][]> }[];
}

const arg = (k: string, d: string) => {
  const i = process.argv.indexOf(`--${k}`);
  return i > 0 ? process.argv[i + 1]! : d;
};
const files = process.argv.slice(2).filter((a, i, all) => a.endsWith('.json') && !all[i - 1]?.startsWith('--'));
const rowA = arg('a', 'seqtune tpe'),
  rowB = arg('b', 'Optuna TPE multivariate');
const only = arg('only', ''),
  draw = Number(arg('draw', '20'));
const BOOTSTRAP = 20_000;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b),
    m = (s.length - 1) / 2;
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2;
};
const fmt = (x: number) => Number(x.toPrecision(3)).toString();

/** The best value at the last trial of one row, problem by problem, keyed by problem and first seed. */
function finals(d: Dump, row: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const p of d.problems) {
    const curves = p.curves[row];
    if (!curves) throw new Error(`${row}: no such row in the dump of ${p.problem} (rows: ${Object.keys(p.curves)})`);
    out.set(
      `${p.problem}, seeds from ${p.seed0}`,
      curves.map((c) => c[c.length - 1]!),
    );
  }
  return out;
}

const load = (f: string) => JSON.parse(readFileSync(f, 'utf8')) as Dump;
if (files.length < 1 || files.length > 2)
  throw new Error(`bench-search-compare: expected one or two dumps (.json), received ${files.length}`);
const a = finals(load(files[0]!), rowA),
  b = finals(load(files[1] ?? files[0]!), rowB);
const rng = new Rng(1);
for (const [problem, xa] of a) {
  if (only && !problem.startsWith(only)) continue;
  const xb = b.get(problem);
  if (!xb || xb.length !== xa.length) throw new Error(`${problem}: not in both dumps with the same seeds`);
  const wins = xa.filter((x, i) => x < xb[i]!).length,
    losses = xa.filter((x, i) => x > xb[i]!).length;
  let behind = 0;
  for (let r = 0; r < BOOTSTRAP; r++) {
    const idx = Array.from({ length: draw }, () => rng.int(xa.length));
    if (median(idx.map((i) => xa[i]!)) > median(idx.map((i) => xb[i]!))) behind++;
  }
  // the seeds cut into disjoint sets of `draw` in order (1-20, 21-40, ...): in how many A's median is not behind
  const sets = Math.floor(xa.length / draw);
  let held = 0;
  for (let k = 0; k < sets; k++) {
    const cut = (x: number[]) => median(x.slice(k * draw, (k + 1) * draw));
    if (cut(xa) <= cut(xb)) held++;
  }
  const disjoint = sets > 1 ? `; A's median not behind in ${held} of ${sets} disjoint sets of ${draw} seeds` : '';
  console.log(
    `- ${problem}, ${xa.length} seeds: median ${fmt(median(xa))} (${rowA}) - ${fmt(median(xb))} (${rowB}) = ` +
      `${fmt(median(xa) - median(xb))}; A better on ${wins} seeds, worse on ${losses}; ` +
      `P(A's median behind B's over ${draw} seeds drawn again) = ${(behind / BOOTSTRAP).toFixed(3)}${disjoint}`,
  );
}
