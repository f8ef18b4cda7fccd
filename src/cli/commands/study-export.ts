// seqtune study export NAME --format csv|json [--storage URL]: every trial of a study on stdout: number, state,
// parameters, value, intermediate values, owner, worker, start and end times, heartbeat and error. CSV has one
// column per parameter (param:KEY) and the intermediate values as a JSON list.

import type { Command } from 'commander';
import { csvField } from '../../data/index.js';
import { type FrozenTrial, openStorage, redactUrl, StorageError } from '../../storage/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';

const trialJson = (t: FrozenTrial) => ({
  number: t.number,
  state: t.state,
  params: t.params,
  value: t.value,
  intermediate: t.intermediate.map((v) => (Number.isFinite(v) ? v : null)),
  owner: t.owner ?? null,
  worker: t.worker ?? null,
  started: t.started,
  finished: t.finished,
  heartbeat: t.heartbeat ?? null,
  error: t.error,
});

/** A CSV field: a value's text, or its JSON. */
const field = (v: unknown): string =>
  csvField(v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));

function toCsv(trials: readonly FrozenTrial[]): string {
  const keys = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
  const head = ['number', 'state', 'value', ...keys.map((k) => `param:${k}`), 'intermediate', 'owner', 'worker'];
  const rows = trials.map((t) => {
    const j = trialJson(t);
    return [j.number, j.state, j.value, ...keys.map((k) => t.params[k]), j.intermediate, j.owner, j.worker]
      .concat([j.started, j.finished, j.heartbeat, j.error])
      .map(field)
      .join(',');
  });
  return `${[...head, 'started', 'finished', 'heartbeat', 'error'].join(',')}\n${rows.map((r) => `${r}\n`).join('')}`;
}

export function addStudyExport(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('export')
    .argument('<name>', 'the study')
    .requiredOption('--format <format>', 'csv or json')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .description('print every trial of a study as CSV or JSON')
    .action(async (name: string, o: { storage: string; format: string }) => {
      if (o.format !== 'csv' && o.format !== 'json')
        throw new UsageError(`--format: expected csv or json, received ${JSON.stringify(o.format)}`);
      const st = openStorage(o.storage, { readOnly: true });
      try {
        if (!(await st.getStudy(name))) throw new StorageError(`no study named "${name}" in ${redactUrl(o.storage)}`);
        const trials = await st.getTrials(name);
        io.out(o.format === 'json' ? `${JSON.stringify(trials.map(trialJson), null, 2)}\n` : toCsv(trials));
      } finally {
        await st.close();
      }
    });
  return withExamples(cmd, 'seqtune study export pm25 --format csv > pm25-trials.csv');
}
