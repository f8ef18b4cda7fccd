// "Did you mean" for an unknown key: zod reports a key a strict object does not know as `unrecognized_keys`; this
// finds the keys that object does know (walking the schema along the issue's path) and names the nearest one
// (the registries' rule: nearestName in registry.ts), or lists them when none is close.
import { z } from 'zod';
import { didYouMean, type IssueLike, nearestName } from '../registry.js';

/** The keys of the object schema at `path` in `schema` (through optional, nullable, array and record), if any. */
export function knownKeysAt(schema: unknown, path: readonly PropertyKey[]): string[] | undefined {
  let s = schema;
  for (let i = 0; ; ) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodNullable || s instanceof z.ZodDefault) s = s.unwrap();
    else if (i === path.length) return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
    else if (s instanceof z.ZodObject) s = s.shape[String(path[i++])];
    else if (s instanceof z.ZodArray) {
      s = s.element;
      i++;
    } else if (s instanceof z.ZodRecord) {
      s = s.valueType;
      i++;
    } else return undefined;
  }
}

/**
 * Keys that Keras' fit, Optuna's optimize or the Informer scripts take, which seqtune spells another way or keeps
 * elsewhere: [key, a key of the object it is written in, what to write instead]. `train.validation_split: unknown key;
 * expected one of loss, optimizer, ...` listed every key of train: but the one place the validation rows are set.
 */
const VALIDATION =
  "Keras' fit argument: the validation rows are data.split.val, a chronological split " +
  '(data.split: {train: 0.7, val: 0.15, test: 0.15})';
const ELSEWHERE: readonly (readonly [key: string, beside: string, instead: string])[] = [
  ['validation_split', 'epochs', VALIDATION],
  ['validation_data', 'epochs', VALIDATION],
  ['verbose', 'epochs', "Keras' fit argument: seqtune train prints each epoch (a bar on a terminal), --quiet none"],
  ['seq_len', 'lookback', 'the input steps of a window are data.lookback'],
  ['window_size', 'lookback', 'the input steps of a window are data.lookback'],
  ['pred_len', 'horizon', 'the steps ahead are data.horizon'],
  ['timeout', 'time_budget', "Optuna's optimize argument: the study's time limit is tune.time_budget (30m, 2h, 900s)"],
  ['direction', 'objective', 'seqtune minimises tune.objective (val_loss, or another key of the epoch logs)'],
];

/**
 * ` (did you mean "epochs"?)`, `; expected one of a, b, c`, where another tool's key has its place here (ELSEWHERE)
 * `; Keras' fit argument: ...`, or nothing, for an unknown-key issue of `schema`.
 */
export function unknownKeyHint(schema: unknown, issue: IssueLike): string {
  const key = issue.keys?.[0];
  if (issue.code !== 'unrecognized_keys' || key === undefined) return '';
  const known = knownKeysAt(schema, issue.path);
  if (!known) return '';
  const elsewhere = ELSEWHERE.find(([k, beside]) => k === key && known.includes(beside));
  if (elsewhere) return `; ${elsewhere[2]}`;
  const near = nearestName(key, known);
  return near !== undefined ? didYouMean(near) : `; expected one of ${known.join(', ')}`;
}
