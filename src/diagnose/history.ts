// Loss histories from any framework: Keras history JSON (as json.dump(history.history) writes it,
// with Python's NaN / Infinity / -Infinity tokens and null), Keras CSVLogger files, seqtune run folders.
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

function fromObject(file: string, o: unknown): LossHistory {
  if (o === null || typeof o !== 'object' || Array.isArray(o))
    throw new HistoryError(`${file}: expected a Keras history object like {"loss": [...], "val_loss": [...]}`);
  const src = (
    'history' in o && typeof (o as { history: unknown }).history === 'object' ? (o as { history: object }).history : o
  ) as Record<string, unknown>;
  const h: LossHistory = {};
  for (const [k, v] of Object.entries(src)) {
    if (!Array.isArray(v)) continue;
    h[k] = v.map((x, i) => {
      if (x === null) return NaN;
      if (typeof x !== 'number')
        throw new HistoryError(`${file}: ${k}[${i}]: expected a number, NaN or null, received ${JSON.stringify(x)}`);
      return x;
    });
  }
  if (!h.loss) throw new HistoryError(`${file}: no "loss" list; keys found: ${Object.keys(src).join(', ') || 'none'}`);
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

/** Keras CSVLogger: a header with epoch, loss, val_loss, ... and one row per epoch. */
export function parseCsvLog(file: string, text: string): LossHistory {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length < 2)
    throw new HistoryError(`${file}: expected a CSVLogger file with a header (epoch,loss,...) and one row per epoch`);
  const sep = lines[0]!.includes(';') && !lines[0]!.includes(',') ? ';' : ',';
  const head = lines[0]!.split(sep).map((s) => s.trim().replace(/^"|"$/g, ''));
  if (!head.includes('loss')) throw new HistoryError(`${file}: the header has no "loss" column (${head.join(', ')})`);
  const h: LossHistory = {};
  for (const k of head) if (k !== 'epoch') h[k] = [];
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(sep);
    if (cells.length !== head.length)
      throw new HistoryError(`${file}: row ${r + 1}: expected ${head.length} fields, found ${cells.length}`);
    head.forEach((k, i) => {
      if (k === 'epoch') return;
      const s = cells[i]!.trim();
      const v =
        s === '' || /^nan$/i.test(s)
          ? NaN
          : /^-?inf(inity)?$/i.test(s)
            ? s.startsWith('-')
              ? -Infinity
              : Infinity
            : Number(s);
      if (Number.isNaN(v) && !(s === '' || /^nan$/i.test(s)))
        throw new HistoryError(`${file}: row ${r + 1}, column "${k}": expected a number, found "${s}"`);
      h[k]!.push(v);
    });
  });
  return h;
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
