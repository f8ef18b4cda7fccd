// seqtune study show NAME [--storage URL] [--json]: one stored study, its factor importance and every trial.

import type { Command } from 'commander';
import { openStorage, redactUrl } from '../../storage/index.js';
import { diffLine, studyShowJson } from '../../tune/index.js';
import { type CliContext, type IO, trialsText, withExamples } from '../context.js';
import { autoLines, bestText, type StudyJson, statesText, trialLine } from './study-report.js';

interface StudyShowOptions {
  storage: string;
  json?: boolean;
}

/**
 * The text view: the best trial, the factor importance (once there are enough trials for it to mean something),
 * then the trials from best to worst.
 */
function showText(j: StudyJson, io: IO): void {
  const result = j.result_dir && j.result_dir !== j.best?.run_dir ? `  result in ${j.result_dir}` : '';
  const runDir = `${j.best?.run_dir ? `  run folder ${j.best.run_dir}` : ''}${result}`;
  const states = statesText(j.trials);
  // why its last run ended, as tune's last lines say it (`2 trials, time budget spent`); trials enqueued since add on
  const fin = j.finished;
  const ended = fin ? `, ${fin.reason}${fin.trials !== j.trials.length ? ` at ${trialsText(fin.trials)}` : ''}` : '';
  const head = `${trialsText(j.trials.length)}${states && ` ${states}`}${ended}`;
  io.out(`study ${j.name}: ${head}; best ${bestText(j.best)}${runDir}\n`);
  for (const l of autoLines(j)) io.out(`${l}\n`);
  for (const l of changeLines(j)) io.out(`${l}\n`);
  if (j.time_left_s !== null) io.out(`${timeLeftLine(j.time_left_s, j.time_left_processes)}\n`);
  io.out('\n');
  const imp = j.importance;
  if (imp.length && j.importance_not_yet !== null)
    io.out(`factor importance: not enough trials yet ${j.importance_not_yet}\n\n`);
  else if (imp.length) {
    const factors = imp.map((x) => `${x.param} ${(100 * x.importance).toFixed(0)}%`).join(', ');
    io.out(`factor importance (${imp[0]!.method}): ${factors}\n\n`);
  }
  const sorted = [...j.trials].sort((a, b) => (a.value ?? Infinity) - (b.value ?? Infinity));
  const spreads = j.trials.some((t) => t.repeats && t.repeats.length > 1);
  for (const t of sorted) io.out(`${trialLine(t, spreads)}\n`);
}

/**
 * One line for each change of the study's config by `tune --resume --force`: its trials before it trained with the
 * config as it was (`config changed by --force at TIME (HOST:PID): KEY: stored -> now; ...`).
 */
function changeLines(j: StudyJson): string[] {
  return (j.config_changes ?? []).map((c) => `config changed by --force at ${c.at} (${c.by}): ${diffLine(c.differs)}`);
}

/**
 * `time left: about 12 min (2 processes)`: the time left to the latest time budget of the processes that run the
 * study now (studyJson's time_left_s); once it is spent, that they are finishing.
 */
export function timeLeftLine(seconds: number, processes: number): string {
  const who = `${processes} process${processes === 1 ? '' : 'es'}`;
  if (seconds <= 0) return `time left: none, the time budget is spent (${who} finishing)`;
  const about =
    seconds < 90
      ? `${seconds} s`
      : seconds < 90 * 60
        ? `${Math.round(seconds / 60)} min`
        : `${(seconds / 3600).toFixed(1)} h`;
  return `time left: about ${about} (${who})`;
}

export function addStudyShow(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('show')
    .argument('<name>', 'the study')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--json', 'print JSON')
    .description('show one stored study: the best trial, factor importance and every trial')
    .action(async (name: string, o: StudyShowOptions) => {
      const st = openStorage(o.storage, { readOnly: true });
      try {
        const { json: j } = await studyShowJson(st, name, redactUrl(o.storage));
        if (o.json) io.out(`${JSON.stringify(j, null, 2)}\n`);
        else showText(j, io);
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study show my-forecast', 'seqtune study show my-forecast --json');
}
