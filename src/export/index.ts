// export/: trained models in formats other runtimes read. ONNX (opset 17) for ONNX Runtime: exportOnnx for a
// model in memory, exportRun for a run folder (what `seqtune export` does).
export { ExportError } from './errors.js';
export type { Exportable } from './fusion.js';
export type { ExportData } from './io.js';
export { EXPORTABLE_LAYERS } from './layers.js';
export type { ExportOptions } from './onnx.js';
export { exportOnnx } from './onnx.js';
export type { ExportRunOptions } from './run.js';
export { exportRun } from './run.js';
