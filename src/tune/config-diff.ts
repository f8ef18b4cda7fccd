// What `tune --resume` compares: the config a study was created with (stored in its attributes) and the config
// file now. Trials already run were trained with the stored one, so a resume with another config mixes two
// studies; the tune command refuses it unless --force, and says what differs.
import { type RawConfig, resolveConfig } from '../config/index.js';
import { DEFAULT_BASELINES } from '../data/index.js';
import { pathString, showValue } from '../registry.js';

/** Keys that change how long or where a study runs, not what its trials train: a resume may change them. */
const FREE = new Set([
  'name',
  'tune.trials',
  'tune.time_budget',
  'tune.jobs',
  'tune.storage',
  'tune.heartbeat',
  'train.threads',
]);

/**
 * Defaults an older seqtune filled in that this one fills in otherwise, by key: what it stored then, and this
 * seqtune's default. A study it created stored its default as a value (a run's config.yaml is resolved), so a config
 * that leaves the key out, unchanged since, read as changed and --resume was refused: evaluate.baselines was
 * [persistence, mean] before 4e4c604 (2026-12-02) added linear, which reports on the test split and trains nothing.
 */
const EARLIER_DEFAULTS: Record<string, { was: unknown; now: unknown }> = {
  'evaluate.baselines': { was: ['persistence', 'mean'], now: DEFAULT_BASELINES },
};

/** Whether `key` went from an older seqtune's default (stored) to this one's (now): no change of the user's. */
function defaultMoved(key: string, stored: unknown, now: unknown): boolean {
  const d = EARLIER_DEFAULTS[key];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return d !== undefined && same(stored, d.was) && same(now, d.now);
}

/** Every value of a config by its key path; a list of plain values (a space's values) is one value. */
function leaves(v: unknown, path: (string | number)[], out: Map<string, unknown>): Map<string, unknown> {
  const plain = (x: unknown) => x === null || typeof x !== 'object';
  if (Array.isArray(v) && !v.every(plain)) for (const [i, x] of v.entries()) leaves(x, [...path, i], out);
  else if (!Array.isArray(v) && v !== null && typeof v === 'object' && Object.keys(v).length)
    for (const [k, x] of Object.entries(v)) leaves(x, [...path, k], out);
  else if (v !== undefined) out.set(pathString(path), v);
  return out;
}

/**
 * Each difference as `key: stored -> now` (`(none)` where a side has no value), in key order. The stored config is
 * resolved again first, so a default added since it was stored is no difference, and so is a default changed since
 * (EARLIER_DEFAULTS). A study created without a config (through the library's ask/tell) has nothing to compare.
 */
export function configDiff(stored: unknown, current: RawConfig): string[] {
  if (stored === null || typeof stored !== 'object' || !('data' in stored)) return []; // a study made without one
  const norm = (c: unknown) => JSON.parse(JSON.stringify(c)) as unknown;
  const before = leaves(norm(resolveConfig(stored as RawConfig, current.name ?? '')), [], new Map());
  const after = leaves(norm(current), [], new Map());
  const keys = [...new Set([...before.keys(), ...after.keys()])].filter((k) => !FREE.has(k));
  const shown = (m: Map<string, unknown>, k: string) => (m.has(k) ? showValue(m.get(k)) : '(none)');
  return keys
    .filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)))
    .filter((k) => !defaultMoved(k, before.get(k), after.get(k)))
    .sort()
    .map((k) => `${k}: ${shown(before, k)} -> ${shown(after, k)}`);
}

/** The differences as one line: the first `max`, then how many more. */
export function diffLine(diffs: readonly string[], max = 8): string {
  const more = diffs.length > max ? `; and ${diffs.length - max} more` : '';
  return diffs.slice(0, max).join('; ') + more;
}

/**
 * A change of a study's config by `tune --resume --force` (study-open.ts), kept in its `config_changes`: when (this
 * process's clock, ISO 8601), by which process (host:pid), and what differed (configDiff's lines, stored -> now).
 */
export interface ConfigChange {
  at: string;
  by: string;
  differs: string[];
}
