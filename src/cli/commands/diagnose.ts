// seqtune diagnose FILE_OR_RUN... [--json] [--plot FILE] [--explain]: what the train/validation curves show,
// and what to try.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { RawConfig } from '../../config/index.js';
import {
  diagnose,
  diagnosisChart,
  diagnosisText,
  evidenceFrom1,
  explainText,
  type RunContext,
  readHistory,
} from '../../diagnose/index.js';
import { MARK_HEAD, markedBy, renderSvg, renderTerminal, svgToPng } from '../../plot/index.js';
import { baselineLoss, refuseOutFile, replaceable, writeWhole } from '../../run/index.js';
import { type CliContext, type IO, UsageError, withExamples } from '../context.js';
import { pictureFile } from '../options.js';

interface DiagnoseOptions {
  json?: boolean;
  plot?: string;
  explain?: boolean;
}

/**
 * The config a run folder was trained with, when it has a readable one: a seqtune config (model.layers a list, as
 * every one has), so that another tool's config.yaml beside a history.json does not pass for the run's.
 */
async function runConfig(runDir: string | undefined): Promise<RunContext['config']> {
  if (!runDir) return undefined;
  try {
    const c = parseYaml(await readFile(join(runDir, 'config.yaml'), 'utf8')) as RunContext['config'];
    return Array.isArray(c?.model?.layers) ? c : undefined;
  } catch {
    return undefined;
  }
}

/** The worst naive baseline's validation loss from a run folder's metrics.json, when it has one (baselineLoss). */
async function runBaseline(runDir: string, config: NonNullable<RunContext['config']>): Promise<RunContext['baseline']> {
  try {
    return baselineLoss(config as RawConfig, JSON.parse(await readFile(join(runDir, 'metrics.json'), 'utf8')));
  } catch {
    return undefined;
  }
}

/** What diagnose's pictures carry (plot/mark.ts): --plot replaces a picture with it, and no other file. */
const MARK = 'seqtune diagnose';

/** The --plot file of the `i`-th of `count` paths: FILE, or FILE-1.svg, FILE-2.svg, ... */
const plotFile = (plot: string, i: number, count: number) =>
  count > 1 ? plot.replace(/(\.\w+)?$/, (ext) => `-${i + 1}${ext}`) : plot;

/**
 * Every path's --plot file, checked before any path is read or any plot written: one that cannot be written (a folder
 * of that name, a folder that is not there) was told after the curves were read, diagnosed and printed, and of
 * several paths after the first one's plot was written, as 'nodir/x.svg: no such file or folder (ENOENT)' without a
 * word of --plot. An existing file at a --plot name is replaced only where it is a plot diagnose wrote, as predict
 * and export replace only their own output: `--plot RUN/loss.svg` wrote over the run's own chart (train's, unmarked),
 * exit 0.
 */
async function checkPlots(plot: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const file = plotFile(plot, i, count);
    await refuseOutFile('--plot', file);
    if (replaceable(file, (head) => markedBy(head, MARK), MARK_HEAD)) continue;
    throw new UsageError(
      `--plot ${file}: expected a new file or a plot seqtune diagnose wrote, found another file; diagnose replaces ` +
        'only its own plots: remove the file or choose another --plot',
    );
  }
}

/** Diagnoses the `i`-th of `count` paths: prints it (unless --json), plots it (with --plot), returns the record. */
async function diagnoseOne(path: string, i: number, count: number, o: DiagnoseOptions, io: IO) {
  const { history, source, runDir } = await readHistory(path);
  const config = await runConfig(runDir);
  const d = diagnose(history, { config, baseline: config && (await runBaseline(runDir!, config)) });
  const chart = diagnosisChart(history, d, source);
  if (o.plot) {
    const file = plotFile(o.plot, i, count);
    const svg = renderSvg(chart, { mark: MARK });
    await writeWhole(file, /\.png$/i.test(file) ? svgToPng(svg, { mark: MARK }) : svg);
  }
  const explained = o.explain ? `\n${explainText(d)}` : '';
  if (!o.json)
    io.out(`${diagnosisText(d, source)}${explained}\n\n${renderTerminal(chart, { width: 60, height: 10 })}\n`);
  return { source, ...d, evidence: evidenceFrom1(d.evidence) };
}

/** JSON with the non-finite numbers (a diverged loss) written as null. */
const finiteJson = (v: unknown) =>
  JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2);

export function addDiagnose(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('diagnose')
    .argument(
      '<paths...>',
      'Keras history JSON or CSVLogger file, PyTorch Lightning metrics.csv, or seqtune run folder',
    )
    .option('--json', 'print the diagnosis as JSON')
    .option(
      '--plot <file>',
      'write the annotated curves (.svg or .png; of several paths: FILE-1.svg, FILE-2.svg, ...); replaces only its own',
      pictureFile('--plot'),
    )
    .option(
      '--explain',
      'show the trend test behind the answer: per curve and window S, z, p, slope, interval, noise, swings',
    )
    .description('read train/validation loss curves and say what to try next')
    .action(async (paths: string[], o: DiagnoseOptions) => {
      if (o.plot) await checkPlots(o.plot, paths.length);
      const all = [];
      for (const [i, path] of paths.entries()) all.push(await diagnoseOne(path, i, paths.length, o, io));
      if (o.json) io.out(`${finiteJson(all.length === 1 ? all[0] : all)}\n`);
    });
  return withExamples(
    cmd,
    'seqtune diagnose runs/my-forecast/<time>',
    'seqtune diagnose history.json --json --plot curves.svg',
    'seqtune diagnose training.log --explain',
  );
}
