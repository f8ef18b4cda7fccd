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

/** ` (did you mean "epochs"?)`, `; expected one of a, b, c` or nothing, for an unknown-key issue of `schema`. */
export function unknownKeyHint(schema: unknown, issue: IssueLike): string {
  const key = issue.keys?.[0];
  if (issue.code !== 'unrecognized_keys' || key === undefined) return '';
  const known = knownKeysAt(schema, issue.path);
  if (!known) return '';
  const near = nearestName(key, known);
  return near !== undefined ? didYouMean(near) : `; expected one of ${known.join(', ')}`;
}
