// exportRun: what `seqtune export RUN_DIR --format onnx` does. Reads a trained run folder (model/ and its
// data.json), or an ensemble folder (ensemble.json: its members and their fusion become one graph), exports it
// with its data description, and writes the file through a temporary file renamed into place, so a failed export
// leaves nothing behind. It replaces an existing file only where that is a model seqtune exported.
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { checkRunDir, loadRun, refuseOutFile, replaceable, trainingMoves, writeWhole } from '../run/index.js';
import { Fusion, Model } from '../train/index.js';
import { ExportError } from './errors.js';
import { writtenBySeqtune } from './graph.js';
import { type ExportData, float32Losses } from './io.js';
import { exportOnnx } from './onnx.js';

export interface ExportRunOptions {
  /** Where the .onnx file goes (default RUN_DIR/model.onnx, or RUN_DIR/model.raw.onnx with rawIO). */
  out?: string;
  rawIO?: boolean;
  /**
   * Told each column a --raw-io graph's float32 input and output cannot carry to its spread, or its moves where the
   * run's CSV is at hand (float32Losses).
   */
  onWarning?: (message: string) => void;
}

/**
 * An existing file at `out` is replaced only where it is a model seqtune exported (a run exported again): `--out
 * RUN/model/weights.bin` wrote the graph over the run's own weights, and `--out data.csv` over the data, both with
 * exit 0.
 */
function checkReplaceable(out: string): void {
  if (replaceable(out, writtenBySeqtune)) return;
  throw new ExportError(
    `${out}: expected a new file or an ONNX model seqtune exported, found another file; export replaces only a ` +
      'model it wrote: remove the file or choose another --out',
  );
}

/** Writes bytes to `out` through a temporary file in the same folder; on failure nothing is left there. */
export async function writeAtomic(out: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeWhole(out, bytes);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ExportError(`${out}: cannot write the ONNX file (${code})`, { cause: e });
  }
}

/**
 * The scaler's columns are those the model reads, in its order: the features, then each target that is not one
 * (data/stages/scale.ts), as predict checks a CSV's columns against them. A model/data.json edited so that they are
 * not (swapped, a feature listed twice or renamed) was exported with exit 0, each column scaled with another
 * column's center and scale (a forecast of 1,520 where predict gives 10), or refused with a line naming no file.
 */
function checkColumns(runDir: string, d: ExportData): void {
  const want = [...d.features, ...d.targets.filter((t) => !d.features.includes(t))];
  if (new Set(d.features).size === d.features.length && want.join('\0') === d.scaler.columns.join('\0')) return;
  const file = existsSync(join(runDir, 'ensemble.json'))
    ? `${runDir}: its first member's model/data.json`
    : join(runDir, 'model', 'data.json');
  throw new ExportError(
    `${file}: scaler.columns: expected the features, then the targets that are not features, each once ` +
      `(${want.join(', ')}), found ${d.scaler.columns.join(', ')}`,
  );
}

/**
 * Exports a trained run folder (or an ensemble folder) to ONNX; returns the path written.
 * @example
 * import { exportRun } from 'seqtune';
 * await exportRun('runs/my-forecast/2026-12-03T01-00-00', { rawIO: true })
 */
export async function exportRun(runDir: string, o: ExportRunOptions = {}): Promise<string> {
  checkRunDir(runDir);
  const out = o.out ?? join(runDir, o.rawIO ? 'model.raw.onnx' : 'model.onnx');
  // checked before the model is read and exported: a folder there was told after it, 'cannot write the ONNX file
  // (EISDIR)' without a word of --out; export makes no folder, and a missing one is told so
  await refuseOutFile('--out', out);
  checkReplaceable(out);
  const { model, saved } = await loadRun(runDir);
  if (!(model instanceof Model || model instanceof Fusion))
    throw new ExportError(`${runDir}: expected a trained model or an ensemble of them`);
  try {
    const data: ExportData = {
      lookback: saved.data.lookback,
      horizon: saved.data.horizon ?? 1,
      features: saved.features,
      targets: saved.targets,
      scaler: saved.scaler,
      relative: saved.data.relative ?? false,
      encodings: saved.encodings,
    };
    checkColumns(runDir, data);
    if (o.rawIO) for (const line of float32Losses(data, await trainingMoves(runDir, saved))) o.onWarning?.(line);
    const bytes = exportOnnx(model, { data, rawIO: o.rawIO, name: basename(runDir) });
    await writeAtomic(out, bytes);
    return out;
  } finally {
    for (const m of model instanceof Fusion ? model.members : [model]) if (m instanceof Model) m.dispose();
  }
}
