// Training configurations whose pathology is known by construction, on the public series in
// ../shared/datasets. Each recipe makes a config (snake_case, as a YAML file holds it) from a data
// set and a seed; the corpus generator trains them and labels the curves by the recipe, and the
// advice evaluation retrains the pathological ones with the diagnosis' first advice applied.
import type { RawConfig } from '../../src/config/index.js';
import { Callback } from '../../src/train/index.js';
import type { RunExtras } from './train-config.js';

export interface DataSet {
  name: string;
  data: Record<string, unknown>;
  /** Rows available (the splits below stay inside them). */
  rows: number;
}

const series = (csv: string, col: string, rows: number, time?: string): DataSet => ({
  name: csv.replace(/\.csv$/, ''),
  data: { csv, features: [col], target: col, ...(time ? { time } : {}) },
  rows,
});

export const DATA_SETS: DataSet[] = [
  series('ETTh1.csv', 'OT', 17420, 'date'),
  series('daily-min-temperatures.csv', 'Temp', 3650, 'Date'),
  series('monthly-sunspots.csv', 'Sunspots', 2820, 'Month'),
  { name: 'pollution', data: { csv: 'pollution.csv', features: ['TEMP', 'DEWP'], target: 'TEMP' }, rows: 43824 },
  series('airline-passengers.csv', 'Passengers', 144, 'Month'),
];

/** Chronological row ranges: `train` rows from `from`, then `val` and `test` rows. */
function split(from: number, train: number, val: number): Record<string, [number, number]> {
  return {
    train: [from, from + train],
    val: [from + train, from + train + val],
    test: [from + train + val, from + train + 2 * val],
  };
}

export interface Recipe {
  id: string;
  label: string;
  how: string;
  /** Whether the advice evaluation retrains it (a pathology a config change can fix). */
  fixable: boolean;
  make(ds: DataSet, seed: number): { config: RawConfig; extras?: RunExtras } | null;
}

/** A small random offset into the data set so runs on one set see different stretches. */
const offset = (ds: DataSet, seed: number, need: number) =>
  Math.max(0, Math.floor((((seed * 7919) % 97) / 97) * Math.max(0, ds.rows - need - 10)));

function cfg(
  ds: DataSet,
  seed: number,
  o: { train: number; val: number; lookback: number; layers: unknown[]; train_cfg: Record<string, unknown> },
): RawConfig {
  const need = o.train + 2 * o.val + o.lookback;
  if (need > ds.rows) return null as unknown as RawConfig;
  return {
    name: `${ds.name}-${seed}`,
    seed,
    data: { ...ds.data, lookback: o.lookback, split: split(offset(ds, seed, need), o.train, o.val) },
    model: { layers: o.layers },
    train: { batch_size: 32, shuffle: true, ...o.train_cfg },
  } as unknown as RawConfig;
}
const head = { dense: { units: 1 } };

/** Ramps every dropout layer's rate from 0 to `top` over the run (training gets harder; validation has no dropout). */
export class DropoutRamp extends Callback {
  constructor(
    readonly top: number,
    readonly epochs: number,
  ) {
    super();
  }
  override onEpochBegin(epoch: number): void {
    for (const l of (this.model as unknown as { layers: { className?: string }[] }).layers)
      if (l.className === 'Dropout') (l as unknown as { rate: number }).rate = (this.top * epoch) / (this.epochs - 1);
  }
}

const pick = <T>(seed: number, xs: T[]): T => xs[seed % xs.length]!;

export const RECIPES: Recipe[] = [
  {
    id: 'short-run',
    label: 'learning',
    how: 'GRU(16), Adam at a low rate (1e-4..3e-4), stopped after 8-25 epochs while both losses still fall',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 1200,
        val: 400,
        lookback: 24,
        layers: [{ gru: { units: 16 } }, head],
        train_cfg: { epochs: 8 + ((s * 5) % 18), optimizer: { adam: { learning_rate: pick(s, [1e-4, 2e-4, 3e-4]) } } },
      });
      return config ? { config } : null;
    },
  },
  {
    id: 'lr-far-too-low',
    label: 'plateau',
    how: 'Adam with a learning rate of 1e-7..1e-6: the weights barely move',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 800,
        val: 300,
        lookback: 24,
        layers: [{ gru: { units: 16 } }, head],
        train_cfg: { epochs: 20 + ((s * 7) % 40), optimizer: { adam: { learning_rate: pick(s, [1e-7, 3e-7, 1e-6]) } } },
      });
      return config ? { config } : null;
    },
  },
  {
    id: 'too-large-little-data',
    label: 'overfitting',
    how: 'two LSTM(64) layers, no regularisation, on 100-160 training rows for 80-150 epochs',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 100 + ((s * 13) % 60),
        val: 300,
        lookback: 24,
        layers: [{ lstm: { units: 64, return_sequences: true } }, { lstm: { units: 64 } }, head],
        train_cfg: { epochs: 80 + ((s * 11) % 70), batch_size: 16, optimizer: { adam: { learning_rate: 3e-3 } } },
      });
      return config ? { config } : null;
    },
  },
  {
    id: 'signal-free-val',
    label: 'underfitting',
    how: 'GRU(16) learning the series; validation windows unlike training (zero inputs, white-noise targets)',
    fixable: false,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 800,
        val: 300,
        lookback: 24,
        layers: [{ gru: { units: 16 } }, head],
        train_cfg: { epochs: 20 + ((s * 7) % 30), optimizer: { adam: { learning_rate: 1e-3 } } },
      });
      return config ? { config, extras: { signalFreeVal: true } } : null;
    },
  },
  {
    id: 'rising-lr',
    label: 'architecture',
    how: 'SGD from 0.02 with a schedule that multiplies the learning rate by 1.15-1.2 each epoch, clipnorm 1',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 800,
        val: 300,
        lookback: 24,
        layers: [{ gru: { units: 16 } }, head],
        train_cfg: {
          epochs: 30 + ((s * 3) % 11),
          optimizer: { sgd: { learning_rate: 0.02 } },
          clipnorm: 1,
          schedule: { exponential: { rate: pick(s, [1.15, 1.18, 1.2]) } },
        },
      });
      return config ? { config } : null;
    },
  },
  {
    id: 'dropout-ramp',
    label: 'data',
    how:
      'GRU(32) with a dropout before the head ramped from 0 to 0.6 over training: ' +
      'training (with dropout) gets harder',
    fixable: false,
    make: (ds, s) => {
      const epochs = 20 + ((s * 3) % 20);
      const config = cfg(ds, s, {
        train: 1000,
        val: 300,
        lookback: 24,
        layers: [{ gru: { units: 32 } }, { dropout: { rate: 0 } }, head],
        train_cfg: { epochs, optimizer: { adam: { learning_rate: 5e-4 } } },
      });
      return config ? { config, extras: { callbacks: [new DropoutRamp(0.6, epochs)] } } : null;
    },
  },
  {
    id: 'lr-far-too-high',
    label: 'unstable',
    how: 'RMSprop or Adam at 0.03-0.1 on a SimpleRNN/GRU: large swings around a flat level',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 800,
        val: 300,
        lookback: 24,
        layers: [{ [pick(s, ['simple_rnn', 'gru'])]: { units: 32 } }, head],
        train_cfg: {
          epochs: 30 + ((s * 7) % 40),
          optimizer: pick(s >> 1, [{ rmsprop: { learning_rate: 0.05 } }, { adam: { learning_rate: 0.1 } }]),
        },
      });
      return config ? { config } : null;
    },
  },
  {
    id: 'sgd-lr-10',
    label: 'diverged',
    how: 'SGD with a learning rate of 2-10, no clipping',
    fixable: true,
    make: (ds, s) => {
      const config = cfg(ds, s, {
        train: 800,
        val: 300,
        lookback: 24,
        layers: [{ lstm: { units: 16 } }, head],
        train_cfg: { epochs: 15 + (s % 10), optimizer: { sgd: { learning_rate: pick(s, [2, 5, 10]) } } },
      });
      return config ? { config } : null;
    },
  },
];
