// The error an export refuses with: a model or run folder that cannot be written as ONNX, or an output path that
// cannot be written. The message is one line naming the layer, key or path, what was expected and what was found.
import { SeqtuneError } from '../errors.js';

export class ExportError extends SeqtuneError {}
