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
import { renderSvg, renderTerminal, svgToPng } from '../../plot/index.js';
import { baselineLoss, writeWhole } from '../../run/index.js';
import { type CliContext, type IO, withExamples } from '../context.js';
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

/** Diagnoses the `i`-th of `count` paths: prints it (unless --json), plots it (with --plot), returns the record. */
async function diagnoseOne(path: string, i: number, count: number, o: DiagnoseOptions, io: IO) {
  const { history, source, runDir } = await readHistory(path);
  const config = await runConfig(runDir);
  const d = diagnose(history, { config, baseline: config && (await runBaseline(runDir!, config)) });
  const chart = diagnosisChart(history, d, source);
  if (o.plot) {
    const file = count > 1 ? o.plot.replace(/(\.\w+)?$/, (ext) => `-${i + 1}${ext}`) : o.plot;
    const svg = renderSvg(chart);
    await writeWhole(file, /\.png$/i.test(file) ? svgToPng(svg) : svg);
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
      'write the annotated curves (.svg or .png; of several paths: FILE-1.svg, FILE-2.svg, ...)',
      pictureFile('--plot'),
    )
    .option(
      '--explain',
      'show the trend test behind the answer: per curve and window S, z, p, slope, interval, noise, swings',
    )
    .description('read train/validation loss curves and say what to try next')
    .action(async (paths: string[], o: DiagnoseOptions) => {
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
