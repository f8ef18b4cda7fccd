// seqtune study delete NAME --yes [--storage URL]: removes a study and all its trials from storage (run folders on
// disk are left). Without --yes it says what it would delete and exits 2.

import type { Command } from 'commander';
import { openStorage, redactUrl, StorageError } from '../../storage/index.js';
import { type CliContext, trialsText, UsageError, withExamples } from '../context.js';

export function addStudyDelete(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('delete')
    .argument('<name>', 'the study')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--yes', 'really delete it')
    .description('delete a stored study and all its trials')
    .action(async (name: string, o: { storage: string; yes?: boolean }) => {
      const st = openStorage(o.storage, { existing: true });
      try {
        if (!(await st.getStudy(name))) throw new StorageError(`no study named "${name}" in ${redactUrl(o.storage)}`);
        const n = (await st.getTrials(name)).length;
        if (!o.yes)
          throw new UsageError(`study delete: add --yes to delete study "${name}" and its ${trialsText(n)} for good`);
        await st.deleteStudy(name);
        log(`deleted study ${name} and its ${trialsText(n)} from ${redactUrl(o.storage)}`);
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study delete old-study --yes');
}
