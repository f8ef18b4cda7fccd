// Stage 2 of prepare (encode): the feature columns chosen (data.features, else every numeric column
// left after data.time and data.drop), numbers parsed with missing markers as NaN, categories encoded
// (label: one code column; onehot: one 0/1 column per category, named column=value).
import { DataError } from '../errors.js';
import type { DataConfig, FixedEncoding } from '../types.js';
import { cellsOf, requireColumn, type TableRows } from './read.js';

export const MISSING_TOKENS = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '?']);

export interface Encoded {
  /** Feature column names after encoding, in order. */
  features: string[];
  /** Every feature and target column as numbers, NaN where a cell is missing. */
  numeric: Map<string, Float64Array>;
  /** Category -> code, for categorical columns. */
  encodings: Record<string, string[]>;
  notes: string[];
}

export function encodeColumns(cfg: DataConfig, rows: TableRows, fixed?: FixedEncoding): Encoded {
  const cats = cfg.categorical ?? {};
  const { columns, notes } = featureColumns(cfg, rows);
  const numeric = new Map<string, Float64Array>();
  const encodings: Record<string, string[]> = {};
  const features: string[] = [];
  for (const c of columns) {
    if (c in cats) {
      const cells = cellsOf(rows, c);
      const levels = categoryLevels(rows, c, cells, fixed);
      encodings[c] = levels;
      for (const [name, values] of encodeCategory(c, cells, levels, cats[c]!)) {
        numeric.set(name, values);
        features.push(name);
      }
    } else {
      numeric.set(c, parseColumn(rows, c));
      features.push(c);
    }
  }
  for (const t of rows.targets)
    if (!numeric.has(t)) {
      if (t in cats)
        throw new DataError(`${rows.table.file}: data.target "${t}" is categorical; the target must be numeric`);
      numeric.set(t, parseColumn(rows, t));
    }
  if (!features.length)
    throw new DataError(
      `${rows.table.file}: data.features: no column is left to feed the model (of ${rows.table.header.join(', ')}, ` +
        'data.drop and data.time take some and the rest are not numeric); name the inputs in data.features',
    );
  return { features, numeric, encodings, notes };
}

/** The feature columns before encoding, checked; a note names the columns left out for not being numeric. */
function featureColumns(cfg: DataConfig, rows: TableRows): { columns: string[]; notes: string[] } {
  const { table, excluded } = rows;
  const cats = cfg.categorical ?? {};
  const notes: string[] = [];
  const columns = cfg.features ?? table.header.filter((c) => !excluded.has(c) && (c in cats || isNumeric(rows, c)));
  if (!cfg.features) {
    const skipped = table.header.filter((c) => !excluded.has(c) && !columns.includes(c));
    if (skipped.length)
      notes.push(
        'columns left out of the features because they are not numeric ' +
          `(name them in data.categorical to encode them): ${skipped.join(', ')}`,
      );
  }
  columns.forEach((c, i) => {
    requireColumn(table, c, `data.features[${i}]`);
    if (excluded.has(c))
      throw new DataError(`${table.file}: data.features[${i}] "${c}" is also listed in data.drop or data.time`);
  });
  return { columns, notes };
}

function isNumeric(rows: TableRows, c: string): boolean {
  return cellsOf(rows, c).every((s) => MISSING_TOKENS.has(s) || Number.isFinite(Number(s)));
}

function parseColumn(rows: TableRows, c: string): Float64Array {
  const raw = cellsOf(rows, c);
  const out = new Float64Array(rows.count);
  for (let r = 0; r < rows.count; r++) {
    const s = raw[r]!;
    if (MISSING_TOKENS.has(s)) {
      out[r] = NaN;
      continue;
    }
    const v = Number(s);
    if (!Number.isFinite(v))
      throw new DataError(
        `${rows.table.file}: row ${r + 1 + rows.skip}, column "${c}": expected a number, found "${s}"`,
      );
    out[r] = v;
  }
  return out;
}

/** A categorical column's categories, sorted; with a trained model's encoding, its own (and no new one). */
function categoryLevels(rows: TableRows, c: string, cells: string[], fixed?: FixedEncoding): string[] {
  const levels = fixed?.encodings[c] ?? [...new Set(cells.filter((s) => !MISSING_TOKENS.has(s)))].sort();
  if (fixed)
    cells.forEach((s, r) => {
      if (!MISSING_TOKENS.has(s) && !levels.includes(s))
        throw new DataError(
          `${rows.table.file}: row ${r + 1 + rows.skip}, column "${c}": ` +
            `category "${s}" was not seen in training (${levels.join(', ')})`,
        );
    });
  return levels;
}

/** The numeric columns of a categorical column: its codes (label) or one indicator per category (onehot). */
function encodeCategory(
  c: string,
  cells: string[],
  levels: string[],
  kind: 'label' | 'onehot',
): [string, Float64Array][] {
  if (kind === 'label')
    return [[c, Float64Array.from(cells, (s) => (MISSING_TOKENS.has(s) ? NaN : levels.indexOf(s)))]];
  return levels.map((lv) => [
    `${c}=${lv}`,
    Float64Array.from(cells, (s) => (MISSING_TOKENS.has(s) ? NaN : s === lv ? 1 : 0)),
  ]);
}
