// seqtune study ls [--storage URL] [--json]: every stored study, with its trial count and best value.

import type { Command } from 'commander';
import { openStorage, redactUrl } from '../../storage/index.js';
import { studiesJson } from '../../tune/index.js';
import { type CliContext, withExamples } from '../context.js';
import { statesText } from './study-report.js';

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
        else {
          // the trials that are not complete by state, in a column of their own (statesText) before the best
          const states = all.map((s) => statesText(s.trials));
          const width = Math.max(0, ...states.map((x) => x.length));
          for (const [i, s] of all.entries()) {
            const best = s.best ? s.best.value!.toPrecision(4) : '-';
            const n = s.trials.length;
            const count = `${String(n).padStart(4)} ${n === 1 ? 'trial ' : 'trials'}`;
            io.out(`${s.name.padEnd(30)} ${count} ${states[i]!.padEnd(width)} best ${best}\n`);
          }
        }
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study ls', 'seqtune study ls --storage sqlite:studies.db --json');
}
