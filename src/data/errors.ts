import { SeqtuneError } from '../errors.js';

/** Bad input data: the message names the file, row (1-based data row, header not counted) and column. */
export class DataError extends SeqtuneError {}

/**
 * How many cells a message lists, the first in the file's order (row by row, then column): text in number columns
 * (encode.ts), missing values (impute.ts).
 */
export const SHOWN_CELLS = 5;

/**
 * A cell as messages list them: 'row 151 column "load"' (the file's data row, 1-based), and its text where given,
 * 'row 151 column "load" ("n.a.")'.
 */
export function cellAt(row: number, column: string, text?: string): string {
  return `row ${row} column "${column}"${text === undefined ? '' : ` ("${text}")`}`;
}

/** A count and its noun as messages say them: "1 row", "16 rows". */
export const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

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
