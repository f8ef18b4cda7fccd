// The seqtune command. Exit codes (CONFIG.md): 0 success; 1 the work itself failed; 2 bad input or
// usage, with one line on stderr naming the file, row, column or key, what was expected and found.
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '../config/index.js';
import { DataError } from '../data/index.js';
import { SeqtuneError } from '../engine/errors.js';
import { ModelFileError } from '../train/index.js';
import { HistoryError, diagnose, diagnosisChart, diagnosisText, readHistory } from '../diagnose/index.js';
import { renderSvg, renderTerminal, svgToPng } from '../plot/index.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { demoRun, evaluateRun, metricsTable, predictRun, RunFolderError, STARTER_CONFIG, trainRun } from '../run/index.js';

export class UsageError extends SeqtuneError {}

/** Errors that mean "bad input": exit 2. */
function isInputError(e: unknown): boolean {
  return e instanceof ConfigError || e instanceof DataError || e instanceof HistoryError || e instanceof ModelFileError || e instanceof RunFolderError || e instanceof UsageError
    || (e instanceof SeqtuneError && ['ValueError', 'ShapeError'].includes(e.name));
}

/** Where a command writes: stdout and stderr by default, replaceable for tests and embedding. */
export interface IO { out: (s: string) => void; err: (s: string) => void }
const processIO: IO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

export function program(io: IO = processIO): Command {
  const p = new Command('seqtune').description('train and tune recurrent time-series forecasters').exitOverride().showHelpAfterError(false);
  p.configureOutput({ writeErr: io.err, writeOut: io.out });
  const log = (l: string) => io.out(l + '\n');
  const verbose = (o: { quiet?: boolean }) => (o.quiet ? 0 : 'auto') as 0 | 'auto';

  p.command('train').argument('<config>', 'YAML config file').option('--out <dir>', 'write the run folder exactly here').option('-q, --quiet', 'no progress display')
    .description('train the model of a config and write a run folder')
    .action(async (config: string, o: { out?: string; quiet?: boolean }) => { await trainRun(await loadConfig(config), { out: o.out, verbose: verbose(o), log }); });

  p.command('demo').option('--out <dir>', 'write the run folder exactly here').option('-q, --quiet', 'no progress display')
    .description('train on a built-in synthetic series and write a run folder with pictures')
    .action(async (o: { out?: string; quiet?: boolean }) => { await demoRun({ out: o.out, verbose: verbose(o), log }); });

  p.command('predict').argument('<run_dir>', 'a run folder').requiredOption('--csv <file>', 'CSV with the same columns as the training data').option('--out <file>', 'write the forecasts here instead of stdout')
    .description('forecast with a trained run')
    .action(async (runDir: string, o: { csv: string; out?: string }) => {
      const text = await predictRun(runDir, o.csv);
      if (o.out) await writeFile(o.out, text); else io.out(text);
    });

  p.command('evaluate').argument('<run_dir>', 'a run folder').option('--json', 'print JSON').description('score a trained run on its test split next to naive baselines')
    .action(async (runDir: string, o: { json?: boolean }) => {
      const m = await evaluateRun(runDir);
      io.out(o.json ? JSON.stringify(m, null, 2) + '\n' : metricsTable({ ...m, windows: { train: 0, val: 0, test: 0 }, epochs_run: 0, seconds: 0 }) + '\n');
    });

  p.command('diagnose').argument('<paths...>', 'Keras history JSON, Keras CSVLogger file, or seqtune run folder').option('--json', 'print the diagnosis as JSON')
    .option('--plot <file>', 'write the annotated curves (.svg or .png)').description('read train/validation loss curves and say what to try next')
    .action(async (paths: string[], o: { json?: boolean; plot?: string }) => {
      const all = [];
      for (const [i, path] of paths.entries()) {
        const { history, source, runDir } = await readHistory(path);
        let config;
        if (runDir) { try { config = parseYaml(await readFile(join(runDir, 'config.yaml'), 'utf8')); } catch { config = undefined; } }
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
      if (o.json) io.out(JSON.stringify(all.length === 1 ? all[0] : all, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
    });

  p.command('init').argument('[file]', 'where to write', 'seqtune.yaml').description('write a commented starter config')
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
    if (isInputError(e)) { io.err(`seqtune: ${(e as Error).message}\n`); return 2; }
    io.err(`seqtune: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
