// seqtune study create CONFIG [--storage URL]: the study made as `tune` makes it (checks, lr-find for auto), with no
// trial run, so that `seqtune worker` processes on any machine can start on it.

import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { isMemory, redactUrl } from '../../storage/index.js';
import { createStudyOnly } from '../../tune/index.js';
import { type CliContext, shellWord, UsageError, withExamples } from '../context.js';
import { fileErrorText } from '../exit.js';

export function addStudyCreate(parent: Command, { io, log }: CliContext): Command {
  const cmd = parent
    .command('create')
    .argument('<config>', 'YAML config; its tune: section says how (without one: auto, 20 trials)')
    .option(
      '--storage <url>',
      "where to store it (default: the config's tune.storage, else seqtune.db beside the config)",
    )
    .description('create a study without running a trial (workers run it: seqtune worker)')
    .action(async (config: string, o: { storage?: string }) => {
      const loaded = await loadConfig(config);
      const url = o.storage ?? loaded.raw.tune?.storage;
      if (typeof url === 'string' && isMemory(url))
        throw new UsageError(
          `${o.storage !== undefined ? '--storage' : `${config}: tune.storage`} memory: keeps a study only while ` +
            'its process runs, and study create ends at once: store it in sqlite:FILE or postgres://... for workers',
        );
      const r = await createStudyOnly(loaded, { storage: o.storage, log });
      log(`study ${r.name} created in ${redactUrl(r.storage)}`);
      const words = ['seqtune', 'worker', '--storage', redactUrl(r.storage), '--study', r.name];
      log(`start workers with: ${words.map(shellWord).join(' ')}`);
      // a worker refused to start there with the same words, after the study was made and its workers sent off
      if (r.runsError)
        io.err(
          `seqtune study create: warning: ${r.runs}: ${fileErrorText(r.runsError)}: a worker keeps its trials' run ` +
            'folders there unless its --out or --data-root says otherwise, and refuses to start; clear the way ' +
            '(a file in its place, a folder it cannot write), or start workers with --out DIR\n',
        );
    });
  return withExamples(cmd, 'seqtune study create pm25.yaml --storage postgres://tuner@db.lan/studies');
}
