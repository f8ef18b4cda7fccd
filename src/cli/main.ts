// The seqtune command. Exit codes (CONFIG.md): 0 success; 1 the work itself failed; 2 bad input or
// usage, with one line on stderr naming the file, row, column or key, what was expected and found.

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { parse as parseYaml } from 'yaml';
import { checkRun, lrFindRun, rangeRun } from '../check/index.js';
import { ConfigError, loadConfig } from '../config/index.js';
import { DataError } from '../data/index.js';
import {
  diagnose,
  diagnosisChart,
  diagnosisText,
  HistoryError,
  type RunContext,
  readHistory,
} from '../diagnose/index.js';
import { SeqtuneError } from '../engine/errors.js';
import { renderSvg, renderTerminal, svgToPng } from '../plot/index.js';
import {
  defaultRunDir,
  demoRun,
  evaluateRun,
  metricsTable,
  predictRun,
  RunFolderError,
  STARTER_CONFIG,
  trainRun,
} from '../run/index.js';
import { openStorage, StorageError } from '../storage/index.js';
import { ModelFileError } from '../train/index.js';
import { bestOf, importance, parseDuration, runStudy, studyEnsemble, TuneRefused } from '../tune/index.js';

export class UsageError extends SeqtuneError {}
/** The work itself failed (a failed check): exit 1 with one line. */
export class WorkFailed extends SeqtuneError {}

/** Errors that mean "bad input": exit 2. */
function isInputError(e: unknown): boolean {
  return (
    e instanceof ConfigError ||
    e instanceof DataError ||
    e instanceof HistoryError ||
    e instanceof StorageError ||
    e instanceof ModelFileError ||
    e instanceof RunFolderError ||
    e instanceof UsageError ||
    (e instanceof SeqtuneError && ['ValueError', 'ShapeError'].includes(e.name))
  );
}

/** Where a command writes: stdout and stderr by default, replaceable for tests and embedding. */
export interface IO {
  out: (s: string) => void;
  err: (s: string) => void;
}
const processIO: IO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function program(io: IO = processIO): Command {
  const p = new Command('seqtune')
    .description('train and tune recurrent time-series forecasters')
    .exitOverride()
    .showHelpAfterError(false);
  p.configureOutput({ writeErr: io.err, writeOut: io.out });
  const log = (l: string) => io.out(`${l}\n`);
  const verbose = (o: { quiet?: boolean }) => (o.quiet ? 0 : 'auto') as 0 | 'auto';

  p.command('train')
    .argument('<config>', 'YAML config file')
    .option('--out <dir>', 'write the run folder exactly here')
    .option('-q, --quiet', 'no progress display')
    .description('train the model of a config and write a run folder')
    .action(async (config: string, o: { out?: string; quiet?: boolean }) => {
      await trainRun(await loadConfig(config), { out: o.out, verbose: verbose(o), log });
    });

  p.command('demo')
    .option('--out <dir>', 'write the run folder exactly here')
    .option('-q, --quiet', 'no progress display')
    .description('train on a built-in synthetic series and write a run folder with pictures')
    .action(async (o: { out?: string; quiet?: boolean }) => {
      await demoRun({ out: o.out, verbose: verbose(o), log });
    });

  p.command('predict')
    .argument('<run_dir>', 'a run folder')
    .requiredOption('--csv <file>', 'CSV with the same columns as the training data')
    .option('--out <file>', 'write the forecasts here instead of stdout')
    .description('forecast with a trained run')
    .action(async (runDir: string, o: { csv: string; out?: string }) => {
      const text = await predictRun(runDir, o.csv);
      if (o.out) await writeFile(o.out, text);
      else io.out(text);
    });

  p.command('evaluate')
    .argument('<run_dir>', 'a run folder')
    .option('--json', 'print JSON')
    .description('score a trained run on its test split next to naive baselines')
    .action(async (runDir: string, o: { json?: boolean }) => {
      const m = await evaluateRun(runDir);
      io.out(
        o.json
          ? `${JSON.stringify(m, null, 2)}\n`
          : `${metricsTable({ ...m, windows: { train: 0, val: 0, test: 0 }, epochs_run: 0, seconds: 0 })}\n`,
      );
    });

  p.command('diagnose')
    .argument('<paths...>', 'Keras history JSON, Keras CSVLogger file, or seqtune run folder')
    .option('--json', 'print the diagnosis as JSON')
    .option('--plot <file>', 'write the annotated curves (.svg or .png)')
    .description('read train/validation loss curves and say what to try next')
    .action(async (paths: string[], o: { json?: boolean; plot?: string }) => {
      const all = [];
      for (const [i, path] of paths.entries()) {
        const { history, source, runDir } = await readHistory(path);
        let config: RunContext['config'];
        if (runDir) {
          try {
            config = parseYaml(await readFile(join(runDir, 'config.yaml'), 'utf8'));
          } catch {
            config = undefined;
          }
        }
        const d = diagnose(history, { config });
        all.push({ source, ...d });
        const chart = diagnosisChart(history, d, source);
        if (o.plot) {
          const file = paths.length > 1 ? o.plot.replace(/(\.\w+)?$/, (ext) => `-${i + 1}${ext}`) : o.plot;
          const svg = renderSvg(chart);
          await writeFile(file, file.endsWith('.png') ? svgToPng(svg) : svg);
        }
        if (!o.json) io.out(`${diagnosisText(d, source)}\n\n${renderTerminal(chart, { width: 60, height: 10 })}\n`);
      }
      if (o.json)
        io.out(
          `${JSON.stringify(
            all.length === 1 ? all[0] : all,
            (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
            2,
          )}\n`,
        );
    });

  p.command('check')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"checks": [...]} as JSON')
    .description('sanity checks of data and network before tuning (exit 1 when one fails)')
    .action(async (config: string, o: { json?: boolean }) => {
      const report = await checkRun(await loadConfig(config));
      if (o.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
      else
        for (const c of report.checks) io.out(`${c.status.toUpperCase().padEnd(4)}  ${c.id.padEnd(28)} ${c.advice}\n`);
      if (report.checks.some((c) => c.status === 'fail'))
        throw new WorkFailed(
          `${report.checks
            .filter((c) => c.status === 'fail')
            .map((c) => c.id)
            .join(', ')} failed`,
        );
    });

  p.command('lr-find')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"suggested": {...}, "points": [...]} as JSON')
    .option('--out <dir>', 'where to write lr-find.svg/png (default runs/<name>/lr-find-<time>)')
    .option('--steps <n>', 'steps of the sweep', '200')
    .description('learning-rate range test: suggests a learning rate and a range')
    .action(async (config: string, o: { json?: boolean; out?: string; steps: string }) => {
      const loaded = await loadConfig(config);
      const res = await lrFindRun(loaded, {
        out: o.out ?? defaultRunDir(loaded.name).replace(/([^/]+)$/, 'lr-find-$1'),
        steps: Number(o.steps),
      });
      if (o.json) io.out(`${JSON.stringify({ suggested: res.suggested, points: res.points })}\n`);
      else
        io.out(
          `suggested learning rate ${res.suggested.best} (range ${res.suggested.min} - ${res.suggested.max}); ` +
            `plot: ${res.dir}/lr-find.png\n`,
        );
    });

  p.command('range')
    .argument('<config>', 'YAML config file')
    .requiredOption('--param <key>', 'the knob to sweep (train.batch_size)')
    .option('--json', 'print JSON')
    .description('sweep a knob briefly to find its useful range')
    .action(async (config: string, o: { param: string; json?: boolean }) => {
      const res = await rangeRun(await loadConfig(config), o.param);
      if (o.json) io.out(`${JSON.stringify(res)}\n`);
      else
        io.out(
          `${res.rows
            .map(
              (r) =>
                `batch ${String(r.batch_size).padStart(5)}  val_loss ${r.val_loss.toPrecision(4)}  ` +
                `${r.windows_per_second} windows/s`,
            )
            .join('\n')}\nsuggested largest batch size: ${res.suggested}\n`,
        );
    });

  p.command('tune')
    .argument('<config>', 'YAML config with a tune: section')
    .option('--resume', 'continue an interrupted study')
    .option('--rerun-interrupted', 'with --resume: train the interrupted trials again first')
    .option('--storage <url>', "sqlite:FILE (default: the config's tune.storage, else sqlite:seqtune.db)")
    .option('--trials <n>', 'trial budget')
    .option('--time-budget <d>', 'time budget (30m, 2h)')
    .option('--jobs <n>', 'trials at once, in worker threads (default: the number of cores)')
    .option('--out <dir>', 'run folder of the retrained best trial')
    .description("tune the config's hyperparameters (strategy auto, ofat, grid, random or tpe)")
    .action(
      async (
        config: string,
        o: {
          resume?: boolean;
          rerunInterrupted?: boolean;
          storage?: string;
          trials?: string;
          timeBudget?: string;
          out?: string;
          jobs?: string;
        },
      ) => {
        const r = await runStudy(await loadConfig(config), {
          resume: o.resume,
          rerunInterrupted: o.rerunInterrupted,
          storage: o.storage,
          jobs: o.jobs ? Number(o.jobs) : undefined,
          trials: o.trials ? Number(o.trials) : undefined,
          timeBudget: o.timeBudget ? parseDuration(o.timeBudget, '--time-budget') : undefined,
          out: o.out,
          log,
        });
        log(
          `\nstudy ${r.name}: ${r.trials.length} trials (${r.stopReason}); best ` +
            `${r.best ? `#${r.best.number} ${r.best.value!.toPrecision(4)} ${JSON.stringify(r.best.params)}` : 'none'}`,
        );
        if (!r.best) throw new WorkFailed(`study ${r.name}: no trial completed`);
      },
    );

  const study = p.command('study').description('look at stored studies');
  const studyJson = (
    name: string,
    trials: Awaited<ReturnType<ReturnType<typeof openStorage>['getTrials']>>,
    attrs: Record<string, unknown>,
  ) => {
    const best = bestOf(trials);
    return {
      name,
      direction: 'minimize',
      best: best
        ? { number: best.number, value: best.value, params: best.params, run_dir: attrs.best_run_dir ?? null }
        : null,
      importance: importance(trials, attrs.strategy as string | undefined),
      trials: trials.map((t) => ({
        number: t.number,
        state: t.state,
        value: t.value,
        params: t.params,
        epochs: t.intermediate.length,
        repeats: (t.attrs.values as number[] | undefined) ?? null,
        spread: (t.attrs.spread as number | undefined) ?? null,
        diagnosis: (t.attrs.diagnosis as { pattern?: string } | undefined)?.pattern ?? null,
        why: t.attrs.why ?? null,
      })),
    };
  };
  study
    .command('ls')
    .option('--storage <url>', 'default sqlite:seqtune.db', 'sqlite:seqtune.db')
    .option('--json', 'print JSON')
    .action(async (o: { storage: string; json?: boolean }) => {
      const st = openStorage(o.storage);
      try {
        const all = [];
        for (const s of await st.listStudies())
          all.push(studyJson(s.name, await st.getTrials(s.name), s.attrs as Record<string, unknown>));
        if (o.json) io.out(`${JSON.stringify(all, null, 2)}\n`);
        else
          for (const s of all)
            io.out(
              `${s.name.padEnd(30)} ${String(s.trials.length).padStart(4)} trials  ` +
                `best ${s.best ? s.best.value!.toPrecision(4) : '-'}\n`,
            );
      } finally {
        await st.close();
      }
    });
  study
    .command('show')
    .argument('<name>')
    .option('--storage <url>', 'default sqlite:seqtune.db', 'sqlite:seqtune.db')
    .option('--json', 'print JSON')
    .action(async (name: string, o: { storage: string; json?: boolean }) => {
      const st = openStorage(o.storage);
      try {
        const rec = await st.getStudy(name);
        if (!rec) throw new StorageError(`no study named "${name}" in ${o.storage}`);
        const j = studyJson(name, await st.getTrials(name), rec.attrs as Record<string, unknown>);
        if (o.json) {
          io.out(`${JSON.stringify(j, null, 2)}\n`);
          return;
        }
        const best = j.best
          ? `#${j.best.number} ${j.best.value!.toPrecision(4)} ${JSON.stringify(j.best.params)}` +
            `${j.best.run_dir ? `  run folder ${j.best.run_dir}` : ''}`
          : 'none';
        io.out(`study ${name}: ${j.trials.length} trials; best ${best}\n\n`);
        const imp = importance(await st.getTrials(name), (rec.attrs as { strategy?: string }).strategy);
        if (imp.length)
          io.out(
            `factor importance (${imp[0]!.method}): ` +
              `${imp.map((x) => `${x.param} ${(100 * x.importance).toFixed(0)}%`).join(', ')}\n\n`,
          );
        const sorted = [...j.trials].sort((a, b) => (a.value ?? Infinity) - (b.value ?? Infinity));
        for (const t of sorted)
          io.out(
            `#${String(t.number).padEnd(4)} ${t.state.padEnd(8)} ` +
              `${t.value !== null ? t.value.toPrecision(4).padStart(10) : '         -'}` +
              `${t.repeats && t.repeats.length > 1 ? ` +-${t.spread!.toPrecision(2)}` : ''}  ` +
              `${String(t.epochs).padStart(4)} ep  ${(t.diagnosis ?? '').padEnd(12)} ${JSON.stringify(t.params)}\n`,
          );
      } finally {
        await st.close();
      }
    });

  study
    .command('ensemble')
    .argument('<name>')
    .option('--storage <url>', 'default sqlite:seqtune.db', 'sqlite:seqtune.db')
    .option('--top <k>', 'how many of the best trials', '3')
    .option('--method <m>', 'mean, weighted or stacked', 'mean')
    .option('--out <dir>', 'where to write ensemble.json and the members')
    .description('retrain the best K trials and fuse their forecasts')
    .action(async (name: string, o: { storage: string; top: string; method: string; out?: string }) => {
      const st = openStorage(o.storage);
      try {
        const r = await studyEnsemble(st, name, { top: Number(o.top), method: o.method as 'mean', out: o.out, log });
        log(
          `ensemble of ${r.members.length} (${r.method}): test MSE ${r.test.ensemble.scaled.mse.toPrecision(4)}; ` +
            `members ${r.test.members.map((m) => m.scaled.mse.toPrecision(4)).join(', ')}; ` +
            `persistence ${r.test.baselines.scaled.persistence!.mse.toPrecision(4)}  (${r.dir})`,
        );
      } finally {
        await st.close();
      }
    });

  p.command('init')
    .argument('[file]', 'where to write', 'seqtune.yaml')
    .description('write a commented starter config')
    .action(async (file: string) => {
      if (existsSync(file)) throw new UsageError(`${file}: already exists; seqtune init does not overwrite files`);
      await writeFile(file, STARTER_CONFIG);
      io.out(`wrote ${file}\n`);
    });
  return p;
}

export async function main(argv: string[], io: IO = processIO): Promise<number> {
  try {
    await program(io).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0) return 0;
      return 2; // commander already printed its one-line message
    }
    if (isInputError(e)) {
      io.err(`seqtune: ${(e as Error).message}\n`);
      return 2;
    }
    if (e instanceof WorkFailed || e instanceof TuneRefused) {
      io.err(`seqtune: ${e.message}\n`);
      return 1;
    }
    io.err(`seqtune: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
