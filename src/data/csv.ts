// Reads a CSV with a header into named string columns, streaming through csv-parse: quoted fields,
// CRLF or LF line endings, a missing final newline and a UTF-8 BOM are all fine.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse } from 'csv-parse';
import { DataError } from './errors.js';

export interface Table {
  readonly file: string;
  readonly header: string[];
  /** Column name -> raw cell text, one entry per data row. */
  readonly columns: Map<string, string[]>;
  readonly rows: number;
}

export async function readCsv(file: string): Promise<Table> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new DataError(`${file}: expected a CSV file, found a directory`);
    size = st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      `${file}: cannot read the CSV file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
      { cause: e },
    );
  }
  if (size === 0) throw new DataError(`${file}: the file is empty; expected a header row and data rows`);
  const parser = createReadStream(file).pipe(
    parse({ bom: true, relax_column_count: false, skip_empty_lines: true, trim: true }),
  );
  let header: string[] | null = null;
  const cols: string[][] = [];
  let rows = 0;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = rec;
        const seen = new Set<string>();
        header.forEach((h, i) => {
          if (h === '') throw new DataError(`${file}: header column ${i + 1} has no name`);
          if (seen.has(h)) throw new DataError(`${file}: header names column "${h}" twice`);
          seen.add(h);
          cols.push([]);
        });
        continue;
      }
      for (let i = 0; i < rec.length; i++) cols[i]!.push(rec[i]!);
      rows++;
    }
  } catch (e) {
    if (e instanceof DataError) throw e;
    const err = e as Error & { code?: string; lines?: number };
    throw new DataError(
      `${file}: line ${err.lines ?? '?'}: ` +
        `${err.message.replace(/^Invalid Record Length: /, 'wrong number of fields: ')}`,
      { cause: e },
    );
  }
  if (!header) throw new DataError(`${file}: the file is empty; expected a header row and data rows`);
  if (rows === 0) throw new DataError(`${file}: only a header (${header.join(', ')}); expected data rows after it`);
  return { file, header, columns: new Map(header.map((h, i) => [h, cols[i]!])), rows };
}
