// seqtune study enqueue NAME --params JSON [--storage URL]: parameters to try next, as a waiting trial (Optuna's
// enqueue_trial): the next free `tune` or `worker` process of the study claims it before its strategy proposes
// anything. The parameters are checked against the study's stored config first, as tune.space values are.

import type { Command } from 'commander';
import { type RawConfig, resolveConfig } from '../../config/index.js';
import { openStorage, redactUrl, StorageError } from '../../storage/index.js';
import { checkSpace, type Params } from '../../tune/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';

/** --params as a JSON object of config paths to values. */
function paramsOf(text: string): Params {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UsageError(
      `--params: expected a JSON object, received ${JSON.stringify(text)} (${(e as Error).message})`,
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new UsageError(`--params: expected a JSON object of config paths to values, received ${text}`);
  return v as Params;
}

export function addStudyEnqueue(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('enqueue')
    .argument('<name>', 'the study')
    .requiredOption('--params <json>', 'the parameters, as tune.space names them: {"train.batch_size": 16}')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .description('add a trial to run next (a waiting trial the next free tune or worker takes)')
    .action(async (name: string, o: { storage: string; params: string }) => {
      const params = paramsOf(o.params);
      const st = openStorage(o.storage, { existing: true });
      try {
        const rec = await st.getStudy(name);
        if (!rec) throw new StorageError(`no study named "${name}" in ${redactUrl(o.storage)}`);
        const config = rec.attrs.config as RawConfig | undefined;
        if (config) {
          const space = Object.entries(params).map(([k, v]) => ({
            name: k,
            dist: { kind: 'categorical' as const, values: [v] },
          }));
          checkSpace(space, resolveConfig(config, name), '--params');
        }
        const t = await st.createTrial(name, params, { why: 'enqueued by hand' }, { waiting: true });
        log(`trial ${t.number} of study ${name} waits for a worker: ${JSON.stringify(params)}`);
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, `seqtune study enqueue pm25 --params '{"model.layers[0].gru.units": 128}'`);
}
