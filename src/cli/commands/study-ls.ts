// seqtune study ls [--storage URL] [--json]: every stored study, with its trial count and best value.

import type { Command } from 'commander';
import { openStorage, redactUrl } from '../../storage/index.js';
import { studiesJson } from '../../tune/index.js';
import { type CliContext, withExamples } from '../context.js';

interface StudyLsOptions {
  storage: string;
  json?: boolean;
}

export function addStudyLs(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('ls')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--json', 'print JSON')
    .description('list the stored studies with their trial counts and best values')
    .action(async (o: StudyLsOptions) => {
      const st = openStorage(o.storage, { readOnly: true });
      try {
        const all = await studiesJson(st);
        if (o.json) io.out(`${JSON.stringify(all, null, 2)}\n`);
        // stdout stays empty for a script; the person is told why nothing came (an empty storage, not a hang)
        else if (!all.length) io.err(`seqtune study ls: no studies in ${redactUrl(o.storage)}\n`);
        else
          for (const s of all) {
            const best = s.best ? s.best.value!.toPrecision(4) : '-';
            const n = s.trials.length;
            io.out(`${s.name.padEnd(30)} ${String(n).padStart(4)} ${n === 1 ? 'trial ' : 'trials'}  best ${best}\n`);
          }
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study ls', 'seqtune study ls --storage sqlite:studies.db --json');
}
