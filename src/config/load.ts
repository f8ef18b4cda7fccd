// Reading a config: YAML parse, then schema validation (layer, optimizer, loss, metric, schedule and
// callback names and their options come from their registries), then the checks that need more than a
// schema. Every failure is a ConfigError whose message is one line: file, key path, what was expected,
// what was found (and what a near miss most likely meant).
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { SeqtuneError } from '../errors.js';
import { getOptimizer, getSchedule, optimizerRegistry } from '../optim/index.js';
import { camel, firstIssue, type IssueLike, issueSentence, pathString, showValue, valueAt } from '../registry.js';
import { unknownKeyHint } from './keys.js';
import { configSchema, metricsIssue, monitorIssue, type RawConfig } from './schema.js';

export { pathString };

/** The yaml package's message without its position tail (\"at line 2, column 1:\" and the quoted lines after it). */
const yamlReason = (m: string) => m.split('\n')[0]!.replace(/ at line \d+, column \d+:?\s*$/, '');

export class ConfigError extends SeqtuneError {}

type Path = (string | number)[];

function validate<T>(
  file: string,
  root: unknown,
  base: Path,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: IssueLike[] } } },
): T {
  const r = schema.safeParse(valueAt(root, base));
  if (!r.success) {
    const issue = firstIssue(r.error.issues);
    const hint = unknownKeyHint(schema, issue);
    throw new ConfigError(`${file}: ${issueSentence(issue, base, (p) => showValue(valueAt(root, p)))}${hint}`);
  }
  return r.data;
}

export interface LoadedConfig {
  /** The validated config as written (snake_case). */
  raw: RawConfig;
  file: string;
  dir: string;
  name: string;
}

/**
 * Checks parts of a parsed config that the schema alone cannot: a schedule's nested parts, that callbacks watch a
 * value epochs log, the split's kinds.
 */
export function checkConfig(file: string, raw: RawConfig): void {
  if (raw.train?.schedule !== undefined) {
    try {
      getSchedule(raw.train.schedule, 'train.schedule');
    } catch (e) {
      throw new ConfigError(`${file}: ${(e as Error).message}`, { cause: e });
    }
  }
  const monitor = monitorIssue(raw) ?? metricsIssue(raw);
  if (monitor) throw new ConfigError(`${file}: ${monitor}`);
  const sp = raw.data.split;
  if (sp) {
    const kinds = new Set(Object.values(sp).map((v) => typeof v));
    const what = 'train, val and test all as fractions or all as [start, end) ranges';
    if (kinds.size > 1) throw new ConfigError(`${file}: data.split: expected ${what}, received ${showValue(sp)}`);
  }
}

/**
 * A file that is no text is said to be so, before YAML reads it: YAML allows no control character but tab and the
 * line ends, and a random binary file given as the config read as one long string with a comma in its first line,
 * which was called a CSV ('this looks like a CSV: write a config that reads it with seqtune init ...').
 */
function refuseBinary(text: string, file: string): void {
  const control = (c: number) => (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
  let at = 0;
  while (at < text.length && !control(text.charCodeAt(at))) at++;
  if (at === text.length) return;
  const before = text.slice(0, at).split(/\r\n|\r|\n/);
  const code = text.charCodeAt(at).toString(16).toUpperCase().padStart(4, '0');
  throw new ConfigError(
    `${file}: expected a YAML config, found a file that is not text (the control character U+${code} at ` +
      `line ${before.length}, column ${before.at(-1)!.length + 1}): a binary file, or text saved as UTF-16 ` +
      '(save it as UTF-8)',
  );
}

/** YAML text as the mapping a config is, or a ConfigError naming the file (and the line of a YAML error). */
function parseMapping(text: string, file: string): object {
  refuseBinary(text, file);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    const err = doc.errors[0]!;
    const pos = err.linePos?.[0];
    throw new ConfigError(`${file}${pos ? `:${pos.line}:${pos.col}` : ''}: invalid YAML: ${yamlReason(err.message)}`);
  }
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (e) {
    // the yaml package refuses aliases that expand past its limit (a 'billion laughs' file: nine levels of nine
    // aliases each) only here, with a ReferenceError the CLI read as a bug (exit 1 with a stack)
    throw new ConfigError(`${file}: invalid YAML: ${yamlReason((e as Error).message)}`, { cause: e });
  }
  if (root === null || root === undefined)
    throw new ConfigError(
      `${file}: the file is empty; expected data: and model: sections (and train:, evaluate:, tune:)`,
    );
  if (typeof root !== 'object' || Array.isArray(root)) throw new ConfigError(notAConfig(file, text, root));
  return root;
}

/** Parses YAML text into a validated config. */
export function parseConfig(text: string, file: string): RawConfig {
  const root = parseMapping(text, file);
  const raw = validate(file, root, [], configSchema) as RawConfig;
  checkConfig(file, raw);
  checkOptimizer(file, raw);
  return raw;
}

/**
 * The evaluate: section of a run folder's config.yaml, validated alone: what evaluate reads of it. A run written by
 * an older seqtune holds keys this version's schema refuses (`features: [x, y, x]`, once taken), and reading the
 * whole file made `seqtune evaluate` of such a run exit 2 while predict and export read it.
 */
export function parseEvaluateSection(text: string, file: string): RawConfig['evaluate'] {
  return validate(file, parseMapping(text, file), ['evaluate'], configSchema.shape.evaluate);
}

/**
 * The optimizer built from train.optimizer, for the options that must agree (sgd's nesterov needs momentum > 0 and
 * dampening 0): `{sgd: {nesterov: true}}` passed the schema and failed when training started, exit 1 with a stack.
 * Not part of checkConfig, which also checks each value of a tune space alone: nesterov in a space beside momentum
 * would be refused on the config's own momentum.
 */
function checkOptimizer(file: string, raw: RawConfig): void {
  if (raw.train?.optimizer === undefined) return;
  try {
    getOptimizer(raw.train.optimizer);
  } catch (e) {
    throw new ConfigError(`${file}: train.optimizer.${configSpelling((e as Error).message)}`, { cause: e });
  }
}

/**
 * An optimizer's message with its option named as the config writes it: the optimizer says `adam.beta2` and
 * `sgd.weightDecay` (its TypeScript options), the config `adam.beta_2` and `sgd.weight_decay` (the entry's schema).
 */
function configSpelling(message: string): string {
  return message.replace(/^(\w+)\.(\w+)/, (whole, name: string, key: string) => {
    const entry = optimizerRegistry.find(name);
    const written = entry && Object.keys(entry.options.shape).find((k) => camel(k) === key);
    return written ? `${name}.${written}` : whole;
  });
}

/** Characters of a file that is no config shown in its message: a CSV given as the config once printed all of it. */
const SHOWN = 80;

/**
 * What a file whose YAML is no mapping is told: the start of what it holds and, for a CSV given as the config (YAML
 * reads it as one long text), the command that writes a config for it.
 */
function notAConfig(file: string, text: string, root: unknown): string {
  const long = typeof root === 'string' && root.length > SHOWN;
  const start = long ? `${showValue(root.slice(0, SHOWN))}...` : showValue(root);
  const firstLine = text.split(/\r?\n/, 1)[0]!;
  const csv = /\.(csv|tsv|txt)$/i.test(file) || (typeof root === 'string' && /[,;\t]/.test(firstLine));
  return (
    `${file}: expected a config, a mapping with data:, model: and train: sections, received ${start}` +
    (csv ? `; this looks like a CSV: write a config that reads it with seqtune init my.yaml --csv ${file}` : '')
  );
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
