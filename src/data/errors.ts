import { SeqtuneError } from '../errors.js';

/** Bad input data: the message names the file, row (1-based data row, header not counted) and column. */
export class DataError extends SeqtuneError {}

/** Missing values under the `error` policy; carries where they are, so a check can report them. */
export class MissingValuesError extends DataError {
  constructor(
    message: string,
    readonly count: number,
    readonly cells: string[],
  ) {
    super(message);
  }
}
