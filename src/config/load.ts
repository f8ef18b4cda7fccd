// Reading a config: YAML parse, schema validation, then the checks that need more than a schema
// (layer names and options, optimizer names and options, schedules, output width). Every failure is
// a ConfigError whose message is one line: file, key path, what was expected, what was found.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { SeqtuneError } from '../errors.js';
import { getSchedule } from '../optim/index.js';
import {
  configSchema,
  LAYER_KEYS,
  LAYER_SCHEMAS,
  type LayerKey,
  OPTIMIZER_NAMES,
  OPTIMIZER_SCHEMA,
  type RawConfig,
} from './schema.js';

export class ConfigError extends SeqtuneError {}

type Path = (string | number)[];
export const pathString = (p: Path): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');
const show = (v: unknown): string =>
  v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
function at(obj: unknown, p: Path): unknown {
  let o = obj;
  for (const k of p) o = o == null ? undefined : (o as Record<string | number, unknown>)[k];
  return o;
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}
function issueMessage(file: string, root: unknown, base: Path, issue: Issue): string {
  const path = [...base, ...(issue.path as (string | number)[])];
  if (issue.code === 'unrecognized_keys') {
    const k = issue.keys ?? [];
    return (
      `${file}: ${pathString([...path, k[0]!])}: unknown key` +
      `${k.length > 1 ? ` (also ${k.slice(1).join(', ')})` : ''}`
    );
  }
  const received = at(root, path);
  const what = issue.message.startsWith('Invalid input') ? 'a valid value' : issue.message;
  return `${file}: ${pathString(path) || '(top level)'}: expected ${what}, received ${show(received)}`;
}

function validate<T>(
  file: string,
  root: unknown,
  base: Path,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: Issue[] } } },
): T {
  const r = schema.safeParse(at(root, base));
  if (!r.success) throw new ConfigError(issueMessage(file, root, base, r.error.issues[0]!));
  return r.data;
}

/** One key naming one option object, as `gru: {units: 64}` or `adam: {learning_rate: 0.001}`. */
function single(file: string, root: unknown, path: Path, known: readonly string[], what: string): [string, unknown] {
  const v = at(root, path);
  if (typeof v === 'string' && known.includes(v)) return [v, {}];
  if (v === null || typeof v !== 'object' || Array.isArray(v) || Object.keys(v).length !== 1) {
    throw new ConfigError(
      `${file}: ${pathString(path)}: expected one ${what} written as {name: {options}} ` +
        `(${known.join(', ')}), received ${show(v)}`,
    );
  }
  const [k, o] = Object.entries(v)[0]!;
  if (!known.includes(k))
    throw new ConfigError(
      `${file}: ${pathString([...path, k])}: unknown ${what} "${k}"; expected one of ${known.join(', ')}`,
    );
  return [k, o ?? {}];
}

export interface LoadedConfig {
  /** The validated config as written (snake_case). */
  raw: RawConfig;
  file: string;
  dir: string;
  name: string;
}

/** Checks parts of a parsed config that the schema alone cannot. */
export function checkConfig(file: string, raw: RawConfig): void {
  for (let i = 0; i < raw.model.layers.length; i++) checkLayer(file, raw, ['model', 'layers', i]);
  if (raw.train?.optimizer !== undefined) {
    const [name, opts] = single(file, raw, ['train', 'optimizer'], OPTIMIZER_NAMES, 'optimizer');
    if (typeof raw.train.optimizer === 'object') validate(file, raw, ['train', 'optimizer', name], OPTIMIZER_SCHEMA);
    void opts;
  }
  if (raw.train?.schedule !== undefined) {
    try {
      getSchedule(raw.train.schedule as never, 'train.schedule');
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  const sp = raw.data.split;
  if (sp) {
    const kinds = new Set(Object.values(sp).map((v) => typeof v));
    if (kinds.size > 1)
      throw new ConfigError(
        `${file}: data.split: expected train, val and test all as fractions or all as [start, end) ranges, ` +
          `received ${show(sp)}`,
      );
  }
}

function checkLayer(file: string, raw: RawConfig, path: Path): void {
  const [kind] = single(file, raw, path, LAYER_KEYS, 'layer');
  validate(file, raw, [...path, kind], LAYER_SCHEMAS[kind as LayerKey]);
  if (kind === 'bidirectional') {
    const [inner] = single(file, raw, [...path, kind], ['gru', 'lstm', 'simple_rnn'], 'recurrent layer');
    validate(file, raw, [...path, kind, inner], LAYER_SCHEMAS[inner as LayerKey]);
  }
}

/** Parses YAML text into a validated config. */
export function parseConfig(text: string, file: string): RawConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    throw new ConfigError(
      `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${err.message.split('\n')[0]}`,
    );
  }
  const root = doc.toJS() as unknown;
  if (root === null || root === undefined)
    throw new ConfigError(`${file}: the file is empty; expected data:, model: and train: sections`);
  const raw = validate(file, root, [], configSchema) as RawConfig;
  checkConfig(file, raw);
  return raw;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (code ?? (e as Error).message);
    throw new ConfigError(`${path}: cannot read the config file (${why})`, { cause: e });
  }
  const raw = parseConfig(text, path);
  return { raw, file, dir: dirname(file), name: raw.name ?? basename(file, extname(file)) };
}
