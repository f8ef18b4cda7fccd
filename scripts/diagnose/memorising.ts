// Runs that memorise a small training set: two recurrent layers (GRU(64), LSTM(64), SimpleRNN(128)) with far more
// weights than training windows (72-120 rows), no regularization, 120-150 epochs. The method's table reads train
// falling / validation flat as underfitting, whose first advice is more units; an earlier walk saw that advice make
// three such runs worse. This trains them and writes their curves and diagnosis and, with --advice, the validation
// loss after each first advice a tuner could apply, the underfitting advice's and the overfitting advice's, each
// with its first value (retrained, as eval-advice.ts does; early stopping is read off the run's own curve: training
// is deterministic for a seed and a thread count, so the run with the callback is the same run up to the epoch it
// stops at). What came out is in docs/diagnosis.md (memorising runs). Under nice:
//   nice -n 10 node --import tsx scripts/diagnose/memorising.ts OUT.json [--advice] [--only i,j,...]
import { writeFileSync } from 'node:fs';
import type { RawConfig } from '../../src/config/index.js';
import { type Advice, adviceFor, diagnose } from '../../src/diagnose/index.js';
import { withAdvice } from './apply-advice.js';
import { trainConfig } from './train-config.js';

interface Memorising {
  csv: string;
  col: string;
  time?: string;
  /** Training rows from `from`, then `val` and `test` rows; lookback. */
  from: number;
  train: number;
  val: number;
  lookback: number;
  cell: 'gru' | 'lstm' | 'simple_rnn';
  units: number;
  epochs: number;
  seed: number;
  /** Adam's learning rate (default 2e-3). */
  lr?: number;
}

const series = (csv: string, col: string, time: string | undefined, rows: number) => ({ csv, col, time, rows });
const SERIES = [
  series('ETTh1.csv', 'HUFL', 'date', 17420),
  series('ETTh1.csv', 'OT', 'date', 17420),
  series('airline-passengers.csv', 'Passengers', 'Month', 144),
  series('monthly-sunspots.csv', 'Sunspots', 'Month', 2820),
  series('daily-min-temperatures.csv', 'Temp', 'Date', 3650),
  series('pollution.csv', 'TEMP', undefined, 43824),
];
const CELLS: [Memorising['cell'], number][] = [
  ['gru', 64],
  ['lstm', 64],
  ['simple_rnn', 128],
];

const memorising = (
  s: (typeof SERIES)[0],
  from: number,
  train: number,
  val: number,
  lookback: number,
  [cell, units]: [Memorising['cell'], number],
  seed: number,
): Memorising => ({ csv: s.csv, col: s.col, time: s.time, from, train, val, lookback, cell, units, epochs: 150, seed });

/**
 * The airline series (144 rows, a trend: validation lies above every training row) with 72-96 training rows,
 * lookback 12, every cell, seeds 1-2; and SimpleRNN(128) on 120 rows of the other series at two stretches.
 */
export const MEMORISING: Memorising[] = [
  ...[72, 84, 96].flatMap((train) =>
    CELLS.flatMap((c) => [1, 2].map((seed) => memorising(SERIES[2]!, 0, train, 24, 12, c, seed))),
  ),
  ...[0, 1, 3, 4, 5].flatMap((k) =>
    [0.2, 0.6].map((at, j) =>
      memorising(SERIES[k]!, Math.round(at * (SERIES[k]!.rows - 400)), 120, 60, 24, CELLS[2]!, j + 1),
    ),
  ),
  // the airline series' 96 rows under Adam 1e-3 for 120 epochs, seeds 1-3
  ...[1, 2, 3].map((seed) => ({ ...memorising(SERIES[2]!, 0, 96, 24, 12, CELLS[2]!, seed), epochs: 120, lr: 1e-3 })),
];

export function memorisingConfig(m: Memorising): RawConfig {
  const to = m.from + m.train;
  return {
    name: `memorise-${m.col}-${m.cell}`,
    seed: m.seed,
    data: {
      csv: m.csv,
      features: [m.col],
      target: m.col,
      ...(m.time ? { time: m.time } : {}),
      lookback: m.lookback,
      split: { train: [m.from, to], val: [to, to + m.val], test: [to + m.val, to + 2 * m.val] },
    },
    model: {
      layers: [
        { [m.cell]: { units: m.units, return_sequences: true } },
        { [m.cell]: { units: m.units } },
        { dense: { units: 1 } },
      ],
    },
    train: { batch_size: 16, shuffle: true, epochs: m.epochs, optimizer: { adam: { learning_rate: m.lr ?? 2e-3 } } },
  } as unknown as RawConfig;
}

/** The best validation loss up to the epoch early stopping with `patience` stops at (restore_best_weights). */
export function stoppedEarly(val: number[], patience: number): { epochs: number; val: number } {
  let best = Infinity,
    at = 0;
  for (let i = 0; i < val.length; i++) {
    if (val[i]! < best) {
      best = val[i]!;
      at = i;
    }
    if (i - at >= patience) return { epochs: i + 1, val: best };
  }
  return { epochs: val.length, val: best };
}

const out = process.argv[2];
if (out && import.meta.url === `file://${process.argv[1]}`) {
  const only = process.argv.includes('--only')
    ? process.argv[process.argv.indexOf('--only') + 1]!.split(',').map(Number)
    : MEMORISING.map((_, i) => i);
  const results = [];
  for (const i of only) {
    const m = MEMORISING[i]!;
    const t0 = performance.now();
    const h = await trainConfig(memorisingConfig(m));
    const d = diagnose({ loss: h.loss, val_loss: h.val_loss }, { config: h.cfg });
    const last = h.val_loss[h.val_loss.length - 1]!;
    const tried: { advice: string; val: number }[] = [];
    if (process.argv.includes('--advice')) {
      // every lever a first advice could pull here, each with its first value, as the tuner applies it
      const levers: Advice[] = [...d.advice, ...adviceFor('overfitting', d.evidence, { config: h.cfg })];
      const seen = new Set<string>();
      for (const a of levers) {
        const cfg = withAdvice(h.cfg, a);
        const key = `${a.param} = ${JSON.stringify(a.values?.[0])}`;
        if (!cfg || seen.has(key)) continue;
        seen.add(key);
        if (a.param === 'train.callbacks') {
          const es = (a.values![0] as { early_stopping: { patience: number } }).early_stopping;
          tried.push({ advice: key, val: stoppedEarly(h.val_loss, es.patience).val });
          continue;
        }
        const r = await trainConfig(cfg);
        const v = r.val_loss[r.val_loss.length - 1]!;
        tried.push({ advice: key, val: Number.isFinite(v) ? v : Infinity });
        process.stderr.write(`  ${i} ${key}: ${last.toPrecision(4)} -> ${v.toPrecision(4)}\n`);
      }
    }
    results.push({ i, m, loss: h.loss, val_loss: h.val_loss, pattern: d.pattern, confidence: d.confidence, tried });
    process.stderr.write(
      `${i} ${m.csv} ${m.col} ${m.cell}(${m.units}): ${d.pattern} ${d.confidence}, train ` +
        `${h.loss[h.loss.length - 1]!.toPrecision(3)}, val ${last.toPrecision(3)} ` +
        `(${((performance.now() - t0) / 1000).toFixed(0)} s)\n`,
    );
    writeFileSync(out, JSON.stringify(results));
  }
}
