// Loss histories from any framework: Keras history JSON (as json.dump(history.history) writes it,
// with Python's NaN / Infinity / -Infinity tokens and null, or as pandas writes it), Keras and PyTorch
// Lightning CSVLogger files, seqtune run folders.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SeqtuneError } from '../errors.js';

export class HistoryError extends SeqtuneError {}

/** Per-epoch values by name (loss, val_loss, metrics, lr). Missing values are NaN. */
export type LossHistory = Record<string, number[]>;

/** Parses JSON that may contain NaN, Infinity and -Infinity tokens outside strings. */
export function parseLooseJson(text: string): unknown {
  let out = '',
    inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inStr) {
      out += c;
      if (c === '\\') {
        out += text[++i] ?? '';
      } else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') {
      inStr = true;
      out += c;
      continue;
    }
    if (text.startsWith('NaN', i)) {
      out += '"__NaN__"';
      i += 2;
      continue;
    }
    if (text.startsWith('-Infinity', i)) {
      out += '"__-Inf__"';
      i += 8;
      continue;
    }
    if (text.startsWith('Infinity', i)) {
      out += '"__Inf__"';
      i += 7;
      continue;
    }
    out += c;
  }
  return JSON.parse(out, (_k, v) =>
    v === '__NaN__' ? NaN : v === '__Inf__' ? Infinity : v === '__-Inf__' ? -Infinity : v,
  );
}

/**
 * A key's values as a list: a list as it is, or a pandas column ({"0": v, "1": v, ...}, as
 * `pd.DataFrame(history.history).to_json()` writes it) in the order of its row numbers; else null.
 */
function valuesOf(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  if (v === null || typeof v !== 'object') return null;
  const entries = Object.entries(v);
  if (!entries.length || !entries.every(([k]) => /^\d+$/.test(k))) return null;
  return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, x]) => x);
}

/** Rows of records ([{"loss": v, "val_loss": v}, ...], pandas' orient="records") as one list per key. */
function fromRecords(rows: object[]): Record<string, unknown[]> {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return Object.fromEntries(keys.map((k) => [k, rows.map((r) => (r as Record<string, unknown>)[k] ?? null)]));
}

/**
 * The curves under Keras' names: PyTorch Lightning logs the training loss as train_loss (train_loss_epoch when it
 * is logged per step too) and the validation loss as val_loss (or val_loss_epoch); a Keras name wins where both are.
 */
function kerasNames<V>(h: Record<string, V>): Record<string, V> {
  const lossKey = ['loss', 'train_loss_epoch', 'train_loss'].find((k) => h[k]);
  const valKey = ['val_loss', 'val_loss_epoch'].find((k) => h[k]);
  const out: Record<string, V> = {};
  if (lossKey) out.loss = h[lossKey]!;
  if (valKey) out.val_loss = h[valKey]!;
  for (const [k, v] of Object.entries(h)) if (k !== lossKey && k !== valKey && !(k in out)) out[k] = v;
  return out;
}

const LOSS_NAMES = '"loss" (Keras) or "train_loss" (PyTorch Lightning)';

function fromObject(file: string, o: unknown): LossHistory {
  const records = Array.isArray(o) && o.length > 0 && o.every((r) => r !== null && typeof r === 'object');
  if (!records && (o === null || typeof o !== 'object' || Array.isArray(o)))
    throw new HistoryError(`${file}: expected a Keras history object like {"loss": [...], "val_loss": [...]}`);
  const src = (
    records
      ? fromRecords(o as object[])
      : 'history' in (o as object) && typeof (o as { history: unknown }).history === 'object'
        ? (o as { history: object }).history
        : o
  ) as Record<string, unknown>;
  const read: LossHistory = {};
  for (const [k, v] of Object.entries(src)) {
    const list = valuesOf(v);
    if (!list) continue;
    read[k] = list.map((x, i) => {
      if (x === null) return NaN;
      if (typeof x !== 'number')
        throw new HistoryError(`${file}: ${k}[${i}]: expected a number, NaN or null, received ${JSON.stringify(x)}`);
      return x;
    });
  }
  const h = kerasNames(read);
  if (!h.loss) {
    const keys = Object.keys(src);
    const notList = keys.find((k) => k === 'loss' || k === 'train_loss');
    throw new HistoryError(
      notList
        ? `${file}: "${notList}" is not a list of numbers (received ${JSON.stringify(src[notList]).slice(0, 60)})`
        : `${file}: no ${LOSS_NAMES} list; keys found: ${keys.join(', ') || 'none'}`,
    );
  }
  if (h.loss.length === 0) throw new HistoryError(`${file}: "loss" is empty`);
  // The curves are read epoch by epoch side by side: a shorter val_loss (Keras' validation_freq > 1) would be
  // read as the first epochs' values.
  if (h.val_loss && h.val_loss.length !== h.loss.length)
    throw new HistoryError(
      `${file}: "val_loss" has ${h.val_loss.length} values but "loss" has ${h.loss.length}: ` +
        'expected one value per epoch in each (validation on every epoch)',
    );
  return h;
}

/** A CSV log's cell that holds no value logged: blank (Lightning) or NA (Keras' CSVLogger); nan is a value. */
const unlogged = (s: string): boolean => s === '' || /^na$/i.test(s);

/**
 * A CSV log's cell as a number: blank, nan and NA (Keras' CSVLogger writes NA for a key an epoch did not log: the
 * validation values of the epochs between two validations, with validation_freq > 1) are NaN, inf and -inf (or
 * infinity) infinite; else null.
 */
function logCell(s: string): number | null {
  if (unlogged(s) || /^nan$/i.test(s)) return NaN;
  if (/^-?inf(inity)?$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/**
 * A CSV log: Keras' CSVLogger (a header with epoch, loss, val_loss, ... and one row per epoch) or PyTorch
 * Lightning's CSVLogger (epoch, step, train_loss, val_loss, ...: a row per logging call, the training and the
 * validation values of an epoch on rows of their own, the other cells blank). Rows that share an epoch are one
 * epoch: each column's last value in them.
 */
export function parseCsvLog(file: string, text: string): LossHistory {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2)
    throw new HistoryError(`${file}: expected a CSVLogger file with a header (epoch,loss,...) and one row per epoch`);
  const sep = lines[0]!.includes(';') && !lines[0]!.includes(',') ? ';' : ',';
  const head = lines[0]!.split(sep).map((s) => s.trim().replace(/^"|"$/g, ''));
  if (!['loss', 'train_loss', 'train_loss_epoch'].some((k) => head.includes(k)))
    throw new HistoryError(`${file}: the header has no ${LOSS_NAMES} column (${head.join(', ')})`);
  const at = head.indexOf('epoch');
  const h: LossHistory = {};
  // per column, whether each epoch's cell was left blank or NA (nothing logged), not a value such as nan
  const missing: Record<string, boolean[]> = {};
  const columns = head.flatMap((k, i) => (k === 'epoch' || k === 'step' ? [] : [[k, i] as const]));
  for (const [k] of columns) {
    h[k] = [];
    missing[k] = [];
  }
  let epoch: string | undefined;
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(sep).map((c) => c.trim());
    if (cells.length !== head.length)
      throw new HistoryError(`${file}: row ${r + 1}: expected ${head.length} fields, found ${cells.length}`);
    const same = at >= 0 && r > 0 && cells[at] === epoch;
    epoch = at >= 0 ? cells[at] : undefined;
    for (const [k, i] of columns) {
      const s = cells[i]!;
      const v = logCell(s);
      if (v === null) throw new HistoryError(`${file}: row ${r + 1}, column "${k}": expected a number, found "${s}"`);
      const col = h[k]!;
      if (!same) {
        col.push(v);
        missing[k]!.push(unlogged(s));
      } else if (!unlogged(s)) {
        col[col.length - 1] = v;
        missing[k]![col.length - 1] = false;
      }
    }
  });
  return withoutUnvalidatedEnd(kerasNames(h), kerasNames(missing).val_loss);
}

/**
 * The history without its last epochs where validation logged nothing (validation every k epochs, the run ended
 * between two): read as values, they would be a validation loss that became NaN at the end, a divergence.
 */
function withoutUnvalidatedEnd(h: LossHistory, miss: boolean[] | undefined): LossHistory {
  if (!h.val_loss || !miss || miss.every(Boolean)) return h;
  let n = miss.length;
  while (n > 0 && miss[n - 1]) n--;
  if (n === miss.length) return h;
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.slice(0, n)]));
}

/** What a folder without history.json is, and what to diagnose instead. */
function noHistory(dir: string): string {
  const names = readdirSync(dir);
  if (names.includes('ensemble.json')) {
    const members = names.filter((n) => /^member-\d+$/.test(n)).sort();
    return (
      `${dir}: an ensemble folder has no curves of its own; diagnose its members` +
      (members.length ? ` (${members.map((m) => join(dir, m)).join(', ')})` : '')
    );
  }
  return `${dir}: no history.json: expected a seqtune run folder, a Keras history JSON or a CSVLogger file`;
}

/**
 * The run folder of a history file that is one's own history.json (config.yaml beside it), so that its config
 * makes the advice concrete as the folder's would; nothing for any other file.
 */
function runFolderOf(file: string): { runDir?: string } {
  const dir = dirname(file);
  return basename(file) === 'history.json' && existsSync(join(dir, 'config.yaml')) ? { runDir: dir } : {};
}

/**
 * Reads a history from a Keras JSON file, a CSVLogger file, or a seqtune run folder. `runDir` is the run folder
 * (given, or the one whose history.json was given): its config.yaml and metrics.json speak for the run.
 */
export async function readHistory(path: string): Promise<{ history: LossHistory; source: string; runDir?: string }> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (e) {
    throw new HistoryError(
      `${path}: cannot read ` +
        `(${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message})`,
      { cause: e },
    );
  }
  if (st.isDirectory()) {
    const f = join(path, 'history.json');
    if (!existsSync(f)) throw new HistoryError(noHistory(path));
    return { ...(await readHistory(f)), runDir: path };
  }
  const text = await readFile(path, 'utf8');
  const trimmed = text.trimStart();
  if (trimmed === '')
    throw new HistoryError(`${path}: the file is empty; expected a Keras history JSON or a CSVLogger file`);
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let o: unknown;
    try {
      o = parseLooseJson(text);
    } catch (e) {
      throw new HistoryError(`${path}: not valid JSON (${(e as Error).message})`, { cause: e });
    }
    return { history: fromObject(path, o), source: path, ...runFolderOf(path) };
  }
  return { history: parseCsvLog(path, text), source: path };
}
