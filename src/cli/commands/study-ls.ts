// seqtune study ls [--storage URL] [--json]: every stored study, with its trial count and best value.

import type { Command } from 'commander';
import { openStorage, redactUrl } from '../../storage/index.js';
import { studiesJson } from '../../tune/index.js';
import { type CliContext, withExamples } from '../context.js';
import { type StudyJson, statesText } from './study-report.js';

interface StudyLsOptions {
  storage: string;
  json?: boolean;
}

/**
 * statesText, with the running trials that have gone without a heartbeat past their grace (silent_s, as study show
 * judges them) counted after the running: `(1 running, 1 silent for 612 s)`, `(3 running, 2 silent for 300 s and
 * more)`. A study whose tune was killed (kill -9) read `(1 running)` for ever, as if it still ran.
 */
function lsStates(trials: StudyJson['trials']): string {
  const silent = trials.flatMap((t) => (t.silent_s === null ? [] : [t.silent_s]));
  const states = statesText(trials);
  if (!silent.length) return states;
  const least = Math.min(...silent);
  const note = `${silent.length} silent for ${least} s${silent.length > 1 ? ' and more' : ''}`;
  return states.replace(/(\d+ running)/, `$1, ${note}`);
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
          const states = all.map((s) => lsStates(s.trials));
          const width = Math.max(0, ...states.map((x) => x.length));
          for (const [i, s] of all.entries()) {
            const best = s.best ? s.best.value!.toPrecision(4) : '-';
            const n = s.trials.length;
            const count = `${String(n).padStart(4)} ${n === 1 ? 'trial ' : 'trials'}`;
            io.out(`${s.name.padEnd(30)} ${count} ${states[i]!.padEnd(width)} best ${best}\n`);
          }
          // the rule by which study show's line calls the trial silent, said once
          if (all.some((s) => s.trials.some((t) => t.silent_s !== null)))
            io.err(
              'seqtune study ls: a silent trial has had no heartbeat for longer than its grace: its process may have ' +
                "stopped, and the study's next tune or worker fails it as stale (study show NAME names it)\n",
            );
        }
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study ls', 'seqtune study ls --storage sqlite:studies.db --json');
}
