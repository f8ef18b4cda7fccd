// A small tuning config over the synthetic series in `dir` (series.csv): GRU(4) -> Dense(1), lookback 12, with the
// given lines of its tune: section. Tests of studies write theirs through this one function.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function studyConfig(dir: string, name: string, tune: string, epochs = 3): string {
  const f = join(dir, `${name}.yaml`);
  writeFileSync(
    f,
    `name: ${name}
data: {csv: series.csv, target: value, lookback: 12, split: {train: 0.6, val: 0.2, test: 0.2}}
model: {layers: [{gru: {units: 4}}, {dense: {units: 1}}]}
train: {epochs: ${epochs}, batch_size: 32, optimizer: {adam: {learning_rate: 0.01}}}
tune:
${tune}`,
  );
  return f;
}
