import { SeqtuneError } from '../engine/errors.js';

/** Bad input data: the message names the file, row (1-based data row, header not counted) and column. */
export class DataError extends SeqtuneError {}
