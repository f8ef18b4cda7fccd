// seqtune export RUN_DIR --format onnx [--out FILE] [--raw-io]: a trained run as an ONNX model for ONNX Runtime.

import { type Command, Option } from 'commander';
import { exportRun } from '../../export/index.js';
import { type CliContext, withExamples } from '../context.js';

interface ExportCliOptions {
  format: 'onnx';
  out?: string;
  rawIo?: boolean;
}

export function addExport(parent: Command, { log }: CliContext): Command {
  const cmd = parent
    .command('export')
    .argument('<run_dir>', 'a trained run folder, or an ensemble folder (one graph)')
    .addOption(new Option('--format <format>', 'the file format').choices(['onnx']).default('onnx'))
    .option('--out <file>', 'where to write the model (default RUN_DIR/model.onnx, or model.raw.onnx with --raw-io)')
    .option('--raw-io', 'take raw windows and return forecasts in original units (scaling inside the graph)')
    .description('export a trained run to ONNX (opset 17) for ONNX Runtime')
    .action(async (runDir: string, o: ExportCliOptions) => {
      const out = await exportRun(runDir, { out: o.out, rawIO: o.rawIo === true });
      log(`wrote ${out} (${o.rawIo ? 'raw windows in, forecasts in original units out' : 'scaled in and out'})`);
    });
  return withExamples(
    cmd,
    'seqtune export runs/my-forecast/<time> --format onnx',
    'seqtune export runs/my-forecast/<time> --format onnx --raw-io --out forecaster.onnx',
  );
}
