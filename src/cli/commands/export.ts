// seqtune export RUN_DIR --format onnx [--out FILE] [--raw-io]: a trained run as an ONNX model for ONNX Runtime.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { exportRun } from '../../export/index.js';
import { forecastsNotFinite, type RunMetrics, type SplitMetrics } from '../../run/index.js';
import { type CliContext, WorkFailed, withExamples } from '../context.js';
import { failIfDiverged } from '../diverged.js';

interface ExportCliOptions {
  format: 'onnx';
  out?: string;
  rawIo?: boolean;
}

/**
 * A run whose model gave no finite test forecast (its metrics.json says so: a diverged run, which train reports with
 * exit 1) is not exported: the graph would forecast NaN; nor one whose diagnosis says diverged (train's exit 1 too).
 */
async function refuseDiverged(runDir: string): Promise<void> {
  const text = await readFile(join(runDir, 'metrics.json'), 'utf8').catch(() => null);
  if (text === null) return; // an ensemble folder, or a run written without one: export checks the folder itself
  let test: SplitMetrics | undefined;
  try {
    test = (JSON.parse(text) as Partial<RunMetrics>).test;
  } catch {
    return;
  }
  if (forecastsNotFinite({ test }))
    throw new WorkFailed(
      `${runDir}: the run diverged (its model's test forecasts are not finite, metrics.json says); nothing to ` +
        'export: train it again with a lower learning rate',
    );
  // a loss that blew up to finite values: train exited 1, and the graph would forecast what the blown-up weights say
  // (shampoo sales at Adam 1e6: -1.0e8)
  await failIfDiverged(runDir, 'nothing to export');
}

export function addExport(parent: Command, { io, log }: CliContext): Command {
  const cmd = parent
    .command('export')
    .argument('<run_dir>', 'a trained run folder, or an ensemble folder (one graph)')
    .addOption(new Option('--format <format>', 'the file format').choices(['onnx']).default('onnx'))
    .option('--out <file>', 'where to write the model (default RUN_DIR/model.onnx, or model.raw.onnx with --raw-io)')
    .option('--raw-io', 'take raw windows and return forecasts in original units (scaling inside the graph)')
    .description('export a trained run to ONNX (opset 17) for ONNX Runtime')
    .action(async (runDir: string, o: ExportCliOptions) => {
      await refuseDiverged(runDir);
      const onWarning = (m: string) => io.err(`seqtune export: warning: ${m}\n`);
      const out = await exportRun(runDir, { out: o.out, rawIO: o.rawIo === true, onWarning });
      log(`wrote ${out} (${o.rawIo ? 'raw windows in, forecasts in original units out' : 'scaled in and out'})`);
    });
  return withExamples(
    cmd,
    'seqtune export runs/my-forecast/<time> --format onnx',
    'seqtune export runs/my-forecast/<time> --format onnx --raw-io --out forecaster.onnx',
  );
}
