// `seqtune init`: a commented starter config.
export const STARTER_CONFIG = `# seqtune config. Every key, its default and an example: docs/config.md (seqtune package)
# Paths are relative to this file. Keys are snake_case, as in Keras' Python API.
name: my-forecast
seed: 42

data:
  csv: data.csv              # a CSV with a header row
  time: date                 # time column(s), checked for order; optional
  # drop: [id]               # columns to ignore
  # skip_rows: 24            # data rows to drop at the start
  missing: error             # error | drop | ffill | interpolate | {constant: 0}
  # categorical: {wind: onehot}   # label | onehot
  # features: [a, b, c]      # default: every numeric column
  target: value              # or a list of columns
  lookback: 48               # timesteps fed to the model
  horizon: 1                 # steps ahead; > 1 = direct multi-step forecast
  split: {train: 0.7, val: 0.15, test: 0.15}   # chronological
  scale: standard            # minmax | standard | robust | none (fitted on train only)
  relative: true             # each window minus its last value: the model learns the change,
                             # and an output of zeros is persistence (forecasts are added back)

model:
  layers:
    - gru: {units: 64}       # gru | lstm | simple_rnn | bidirectional | conv1d | dense | dropout | ...
    - dense: {units: 1}      # = horizon x number of targets

train:
  loss: mse                  # mse | mae | huber
  optimizer: {adam: {learning_rate: 0.001}}
  # clipnorm: 5
  epochs: 100
  batch_size: 32
  shuffle: true
  metrics: [mae]
  # schedule: {cosine: {t_max: 100}}
  callbacks:
    - early_stopping: {monitor: val_loss, patience: 10, restore_best_weights: true}

evaluate:
  baselines: [persistence, mean, linear]   # also {seasonal_naive: {season: 24}}

# tune:                      # seqtune tune: trial after trial, the best kept
#   strategy: auto           # auto: the diagnosis of the best so far picks what to change | ofat | grid | random | tpe
#   time_budget: 30m         # as many trials as fit in it (or a count: trials: 60)
#   space:                   # what ofat, grid, random and tpe search (auto sweeps these values for a key it changes)
#     model.layers[0].gru.units: [32, 64, 128]
`;
