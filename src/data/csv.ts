// Reads a CSV with a header into typed columns while reading: each cell becomes a number as its record is
// scanned (csv-scan.ts), and only cells that are text (categories, dates) are kept as strings, each distinct
// text once per column. Quoted fields, CRLF, LF or CR line ends, a missing final newline and a UTF-8 BOM are
// all fine; a malformed record is a DataError naming the file, the line, the data row and the column.
import { type FileHandle, open, stat } from 'node:fs/promises';
import { ColumnBuilder, type TableColumn } from './csv-column.js';
import { fastRecord } from './csv-fast.js';
import { CsvSyntaxError, otherSeparator, type ScannedRecord, scanRecord, separatorName } from './csv-scan.js';
import { DataError } from './errors.js';

export interface Table {
  readonly file: string;
  /** The separator the file was read with (data.separator). */
  readonly separator: Separator;
  readonly header: string[];
  /** Column name -> its cells, one per data row. */
  readonly columns: Map<string, TableColumn>;
  readonly rows: number;
}

const CHUNK = 1 << 22;

/** Why a CSV that is no file is refused, unless the caller says otherwise (ReadCsvOptions.notAFile). */
const READ_AGAIN =
  'seqtune reads the file again later (check, evaluate, predict from the run folder): save it to a file';

async function fileSize(file: string, notAFile = READ_AGAIN): Promise<number> {
  try {
    const st = await stat(file);
    if (!st.isFile())
      throw new DataError(
        st.isDirectory()
          ? `${file}: expected a CSV file, found a directory`
          : `${file}: expected a CSV file, found a ${st.isFIFO() ? 'pipe' : st.isSocket() ? 'socket' : 'device'}; ` +
              notAFile,
      );
    return st.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(
      `${file}: cannot read the CSV file (${code === 'ENOENT' ? 'no such file' : (code ?? (e as Error).message)})`,
      { cause: e },
    );
  }
}

/** Text as one CSV field: quoted when it holds a comma, a quote or a line break. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * A header read as one column because the file has another separator than `separator` (a semicolon, a tab, or a comma
 * where the file was read with another): a hint to add, or ''.
 */
export function separatorHint(header: readonly string[], separator: Separator = ','): string {
  const one = header.length === 1 ? header[0]! : '';
  const others = (separator === ',' ? [';', '\t'] : [';', '\t', ','].filter((c) => c !== separator)) as Separator[];
  return otherSeparator(others.find((c) => one.includes(c)) ?? '');
}

/**
 * A hint where the header is one field and the first data line has several, each a name (letters): a title or a
 * comment line above the header (a logger's "# exported by meter v2"), read as the header; or ''. A line of numbers
 * ("1,5" in a file of one column written with decimal commas) is no header.
 */
function aboveHeaderHint(header: readonly string[], buf: Buffer, rec: ScannedRecord): string {
  if (header.length !== 1 || rec.count < 2) return '';
  for (let i = 0; i < rec.count; i++)
    if (!/\p{L}/u.test(buf.toString('utf8', rec.at[3 * i]!, rec.at[3 * i + 1]!))) return '';
  return (
    ` (the header line is one field, "${header[0]}": a title or comment above the header? seqtune reads the first ` +
    'line as the header: remove the lines above it)'
  );
}

/**
 * How an empty header name usually comes about, and the way out: a pandas export keeps its index as a first column
 * without a name; a comma at the end of every line gives a last one.
 */
function unnamedHint(i: number, count: number, sep: number): string {
  if (count > 1 && i === 0)
    return (
      '; expected a name for every column (an index column of a pandas export? ' +
      'write it with index=False, or name it)'
    );
  if (count > 1 && i === count - 1)
    return (
      `; expected a name for every column (the header line ends in ${separatorName(sep)}: remove it, from the data ` +
      'lines too)'
    );
  return '; expected a name for every column';
}

/**
 * What to say of a header whose bytes hold NUL (UTF-16, as Excel's "Unicode Text" and Windows PowerShell 5's Out-File
 * write text, or no text at all), or ''. Read as UTF-8 its names held NULs and its last line, a lone NUL, was one
 * field: 'line 201: wrong number of fields: expected 3 as in the header, found 1', no word of the encoding.
 */
function utf16Said(buf: Buffer, rec: ScannedRecord): string {
  const a = rec.at[0]!,
    b = rec.at[3 * (rec.count - 1) + 1]!;
  if (buf.indexOf(0, a) < 0 || buf.indexOf(0, a) >= b) return '';
  const bom = (buf[a] === 0xff && buf[a + 1] === 0xfe) || (buf[a] === 0xfe && buf[a + 1] === 0xff);
  const what = bom
    ? 'the file is UTF-16 (it starts with a UTF-16 byte order mark)'
    : 'the file looks UTF-16, or is not text';
  return (
    `the header holds NUL bytes: ${what}; seqtune reads UTF-8 (or ASCII): save it as "CSV UTF-8" ` +
    '(in PowerShell: Out-File -Encoding utf8)'
  );
}

/** The records of a CSV as they are scanned, header first. */
class TableReader {
  header: string[] | null = null;
  builders: ColumnBuilder[] = [];
  rows = 0;
  /** One record as the fast path reads it: numbers (header length + 2 for its scratch) and byte spans. */
  values = new Float64Array(2);
  spans = new Int32Array(0);
  /** The separator (data.separator), its byte, and the decimal mark's (data.decimal). */
  readonly separator: Separator;
  readonly sep: number;
  readonly point: number;
  constructor(
    readonly file: string,
    o: CsvFormat = {},
  ) {
    this.separator = o.separator ?? ',';
    this.sep = this.separator.charCodeAt(0);
    this.point = (o.decimal ?? '.').charCodeAt(0);
  }

  take(buf: Buffer, rec: ScannedRecord): void {
    if (!this.header) {
      this.header = this.headerOf(buf, rec);
      this.builders = this.header.map(() => new ColumnBuilder(1024, this.point === 44));
      this.values = new Float64Array(this.header.length + 2);
      this.spans = new Int32Array(2 * this.header.length);
      return;
    }
    if (rec.count !== this.header.length)
      throw new DataError(
        `${this.file}: line ${rec.line}: wrong number of fields: ` +
          `expected ${this.header.length} as in the header, found ${rec.count} (data row ${this.rows + 1})` +
          (separatorHint(this.header, this.separator) || aboveHeaderHint(this.header, buf, rec)),
      );
    const at = rec.at;
    for (let i = 0; i < rec.count; i++) this.builders[i]!.push(buf, at[3 * i]!, at[3 * i + 1]!, at[3 * i + 2] === 1);
    this.rows++;
  }

  /** A record the fast path read: numbers in `values`, other fields as byte spans of buf. */
  takeFast(buf: Buffer): void {
    const spans = this.spans;
    for (let i = 0; i < this.builders.length; i++)
      if (spans[2 * i]! < 0) this.builders[i]!.pushNumber(this.values[i]!);
      else this.builders[i]!.push(buf, spans[2 * i]!, spans[2 * i + 1]!, false);
    this.rows++;
  }

  private headerOf(buf: Buffer, rec: ScannedRecord): string[] {
    const utf16 = utf16Said(buf, rec);
    if (utf16) throw new DataError(`${this.file}: ${utf16}`);
    const names: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < rec.count; i++) {
      const raw = buf.toString('utf8', rec.at[3 * i]!, rec.at[3 * i + 1]!);
      const h = rec.at[3 * i + 2] === 1 ? raw.replaceAll('""', '"') : raw;
      if (h === '')
        throw new DataError(`${this.file}: header column ${i + 1} has no name${unnamedHint(i, rec.count, this.sep)}`);
      if (seen.has(h)) throw new DataError(`${this.file}: header names column "${h}" twice`);
      seen.add(h);
      names.push(h);
    }
    return names;
  }

  syntaxError(e: CsvSyntaxError): DataError {
    const name = this.header?.[e.field - 1];
    const where = this.header ? ` (data row ${this.rows + 1})` : ' (the header)';
    return new DataError(
      `${this.file}: line ${e.line}${where}, column ${e.field}${name === undefined ? '' : ` "${name}"`}: ${e.what}`,
      { cause: e },
    );
  }
}

/**
 * How the file writes its fields and numbers (data.separator, data.decimal): a comma between fields and a point in
 * numbers by default; a semicolon and a decimal comma as spreadsheets in many European locales save "CSV"; a tab as
 * spreadsheets save "Text (tab-delimited)" and pandas' to_csv(sep="\t") writes.
 */
/** What data.separator takes. */
export type Separator = ',' | ';' | '\t';

export interface CsvFormat {
  separator?: Separator;
  decimal?: '.' | ',';
}

export interface ReadCsvOptions extends CsvFormat {
  /** Bytes read from the file at a time (default 4 MiB); records cut by a chunk's end are carried over. */
  chunkBytes?: number;
  /**
   * What a pipe, socket or device given as the file is told after 'expected a CSV file, found a pipe; ' (default:
   * that seqtune reads the file again later, as it does a training CSV that a run folder names).
   */
  notAFile?: string;
}

/**
 * Reads a CSV file with a header row into typed columns (see TableColumn).
 * @example
 * import { readCsv } from 'seqtune/data';
 * const t = await readCsv('data.csv'); t.columns.get('value')!.numbers
 */
export async function readCsv(file: string, o: ReadCsvOptions = {}): Promise<Table> {
  const size = await fileSize(file, o.notAFile);
  if (size === 0) throw new DataError(`${file}: the file is empty; expected a header row and data rows`);
  if (o.decimal === ',' && (o.separator ?? ',') === ',')
    throw new DataError(
      `${file}: a decimal comma needs another separator between fields (data.separator: ";" or "\\t")`,
    );
  const reader = new TableReader(file, o);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    throw new DataError(`${file}: cannot read the CSV file (${(e as NodeJS.ErrnoException).code ?? e})`, { cause: e });
  }
  try {
    await scanFile(fh, size, reader, Math.max(1, o.chunkBytes ?? CHUNK));
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw reader.syntaxError(e);
    throw e;
  } finally {
    await fh.close();
  }
  const header = reader.header;
  if (!header) throw new DataError(`${file}: the file is empty; expected a header row and data rows`);
  if (reader.rows === 0)
    throw new DataError(`${file}: only a header (${header.join(', ')}); expected data rows after it`);
  const read = header.map((_, i) => reader.builders[i]!.finish());
  // Rows at the end with no value in any cell (",,," as spreadsheets leave after the data) hold nothing: left out, so
  // that a missing-value policy does not fill them in as data (a file of such rows alone keeps them, for the error)
  let rows = reader.rows;
  while (rows > 1 && read.every((c) => c.missingAt(rows - 1))) rows--;
  const columns = new Map(header.map((h, i) => [h, rows < reader.rows ? read[i]!.head(rows) : read[i]!]));
  return { file, separator: reader.separator, header, columns, rows };
}

/** Reads the file a chunk at a time; a record cut by a chunk's end is carried over to the next. */
async function scanFile(fh: FileHandle, size: number, reader: TableReader, chunkBytes: number): Promise<void> {
  const rec: ScannedRecord = { count: 0, at: new Int32Array(96), next: 0, line: 1, nextLine: 1 };
  let carry: Buffer = Buffer.alloc(0),
    read = 0,
    first = true;
  while (read < size) {
    const chunk = Buffer.allocUnsafe(Math.min(first ? Math.max(chunkBytes, 3) : chunkBytes, size - read));
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, read);
    if (bytesRead === 0) break;
    read += bytesRead;
    const eof = read >= size;
    const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let p = first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    const rows0 = reader.rows;
    for (;;) {
      const q = reader.header
        ? fastRecord(buf, p, buf.length, reader.header.length, reader.values, reader.spans, reader.sep, reader.point)
        : -1;
      if (q >= 0) {
        reader.takeFast(buf);
        rec.nextLine++;
        p = q;
        continue;
      }
      if (!scanRecord(buf, p, buf.length, eof, rec, reader.sep)) break;
      reader.take(buf, rec);
      p = rec.next;
    }
    if (first && !eof && reader.rows > rows0) {
      const perRow = p / Math.max(1, reader.rows - rows0 + 1);
      for (const b of reader.builders) b.reserve(Math.ceil((size / perRow) * 1.02));
    }
    first = false;
    carry = buf.subarray(p);
  }
}
