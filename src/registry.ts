// One registry per kind of component (layers, activations, initializers, regularizers, losses, metrics,
// optimizers, schedules, callbacks), as Keras keeps one per kind. An entry holds the name a config file
// uses, the name a saved config records, its aliases, the zod schema of its options and a one-line doc;
// each kind adds how to build it. The config schema, the builders, the serialisers, the "did you mean"
// of an error and the README's table of what exists are all derived from the entries.
// Below everything but errors.ts: any folder may import it.
import { z } from 'zod';
import { expected, ValueError } from './errors.js';

export interface Entry {
  /** The name a config file uses (snake_case). */
  readonly name: string;
  /** The name a saved config records (default: name). */
  readonly className?: string;
  /** Other spellings a lookup accepts: camelCase, Keras' long names. */
  readonly aliases?: readonly string[];
  /** Its options as a config file writes them (snake_case keys); absent when it takes none. */
  readonly options?: z.ZodType;
  /** One line for the README's table of what exists. */
  readonly doc?: string;
}

/** What a registry holds, in words: `kind` names one in messages, `title` and `note` make its README row. */
export interface RegistryInfo {
  readonly kind: string;
  readonly title: string;
  readonly note?: string;
}

/** A config that names one entry as a config file writes it: `{adam: {learning_rate: 0.001}}`. */
export type NamedForm = { readonly [name: string]: unknown };
/** A config naming one of N with options O, as a config file writes it: `{huber: {delta: 0.5}}`. */
export type NamedOf<N extends string, O = unknown> = { [K in N]: { readonly [P in K]: O } }[N];
/** Every spelling a lookup accepts for the entries E, as a type: their names and aliases. */
export type SpellingOf<E extends Entry> = E extends { readonly aliases: readonly (infer A)[] }
  ? E['name'] | A
  : E['name'];

/** What `resolve` found: the entry, and the options given with it (undefined when only a name was). */
export interface Resolved<E> {
  readonly entry: E;
  readonly options: unknown;
}

/** What `parse` found: the entry, and its options as its schema gives them. */
export interface Parsed<E extends Entry> {
  readonly entry: E;
  readonly options: z.output<NonNullable<E['options']>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The suggestion's tail of an error message: ` (did you mean "y"?)`, or nothing. */
export const didYouMean = (s: string | undefined): string => (s === undefined ? '' : ` (did you mean "${s}"?)`);

/** `key: expected one of a, b, c, received "x" (did you mean "y"?)`. */
export function unknownName(key: string, names: readonly string[], received: unknown, suggestion?: string): string {
  return `${expected(key, `one of ${names.join(', ')}`, received)}${didYouMean(suggestion)}`;
}

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

const fold = (s: string): string => s.toLowerCase().replace(/[_\-\s]/g, '');

/**
 * The candidate a near miss most likely meant: the same letters but for case and separators, else the one candidate
 * that starts with it, else the nearest within a few edits (at most a third of its length); undefined when none is
 * that close.
 */
export function nearestName(name: string, candidates: readonly string[]): string | undefined {
  if (name === '') return undefined;
  const same = candidates.find((c) => fold(c) === fold(name));
  if (same !== undefined) return same;
  // a name cut short (`dilation` for `dilation_rate`): the one candidate that starts with it
  const longer = fold(name).length >= 4 ? candidates.filter((c) => fold(c).startsWith(fold(name))) : [];
  if (longer.length === 1) return longer[0];
  let best: [number, string] | undefined;
  for (const c of candidates) {
    const d = editDistance(c.toLowerCase(), name.toLowerCase());
    if (!best || d < best[0]) best = [d, c];
  }
  return best && best[0] <= Math.max(1, Math.floor(name.length / 3)) ? best[1] : undefined;
}

export class Registry<E extends Entry> {
  /** The config names, in the registry's order (the order messages and the README list them in). */
  readonly names: readonly E['name'][];
  private readonly index = new Map<string, E>();

  constructor(
    readonly info: RegistryInfo,
    readonly entries: readonly E[],
  ) {
    for (const e of entries)
      for (const s of spellings(e)) {
        const before = this.index.get(s);
        if (before && before !== e)
          throw new Error(`${info.kind} registry: "${s}" names both ${before.name} and ${e.name}`);
        this.index.set(s, e);
      }
    this.names = entries.map((e) => e.name);
  }

  /** The names saved configs record, in order. */
  get classNames(): string[] {
    return this.entries.map(classNameOf);
  }

  /** The entry that any of its spellings names, or undefined. */
  find(name: unknown): E | undefined {
    return typeof name === 'string' ? this.index.get(name) : undefined;
  }

  /** The entry a spelling names; otherwise a ValueError listing the names (or the class names) with a suggestion. */
  get(name: unknown, key: string = this.info.kind, list: 'name' | 'className' = 'name'): E {
    const e = this.find(name);
    if (e) return e;
    const names = list === 'name' ? this.names : this.classNames;
    throw new ValueError(unknownName(key, names, name, this.suggest(name, list)));
  }

  /**
   * The name (or class name) a near miss most likely meant: the same letters but for case and separators,
   * else the nearest within a few edits.
   */
  suggest(name: unknown, list: 'name' | 'className' = 'name'): string | undefined {
    if (typeof name !== 'string') return undefined;
    const spelling = nearestName(name, [...this.index.keys()]);
    const e = spelling === undefined ? undefined : this.index.get(spelling)!;
    return e && (list === 'name' ? e.name : classNameOf(e));
  }

  /**
   * The entry and options of a name, a saved `{ className, config }` or a config file's `{ name: options }`,
   * as Keras' `get()`; anything else is a ValueError naming `key`.
   */
  resolve(like: unknown, key: string = this.info.kind): Resolved<E> {
    if (typeof like === 'string') return { entry: this.get(like, key), options: undefined };
    if (isRecord(like)) {
      if ('className' in like) return { entry: this.get(like.className, key), options: like.config };
      const keys = Object.keys(like);
      if (keys.length === 1) return { entry: this.get(keys[0], key), options: like[keys[0]!] };
    }
    throw new ValueError(expected(key, `one of ${this.names.join(', ')} or {name: {options}}`, JSON.stringify(like)));
  }

  /** As `resolve`, with the options checked and typed by the entry's schema (a ValueError naming `key` if not). */
  parse(like: unknown, key: string = this.info.kind): Parsed<E> {
    const { entry, options } = this.resolve(like, key);
    const schema: NonNullable<E['options']> | undefined = entry.options ?? undefined;
    if (schema === undefined) throw new ValueError(expected(`${key}.${entry.name}`, 'no options', options));
    return { entry, options: parseOptions(schema, optionsGiven(schema, options), `${key}.${entry.name}`) };
  }

  /**
   * The zod schema of a config value that names one entry: a bare `name` (form 'name'), `{name: options}`
   * (form 'object', the options checked by the entry's own schema) or either. A key must be a config name
   * (keys are parts of the paths tune spaces use); a bare name may be any spelling. It checks the value and
   * keeps it as written.
   */
  schema<T = NamedForm>(form: 'name' | 'object' | 'either' = 'object'): z.ZodType<T> {
    return z.custom<T>().superRefine((v, ctx) => {
      if (form !== 'object' && typeof v === 'string') this.checkName(v, ctx);
      else if (form === 'name') ctx.addIssue({ code: 'custom', message: this.oneOf() });
      else this.checkNamed(v, form === 'either', ctx);
    });
  }

  private oneOf(): string {
    return `one of ${this.names.join(', ')}`;
  }

  private checkName(v: string, ctx: z.RefinementCtx): void {
    const entry = this.find(v);
    const suggestion = this.suggest(v);
    // an option a bare name lacks is named where it goes: `schedule: cosine` is told `schedule.cosine.t_max`, where
    // `schedule.t_max` sent the user to a key that cannot be written
    if (entry) checkOptions(entry, undefined, [entry.name], ctx);
    else ctx.addIssue({ code: 'custom', message: this.oneOf(), params: suggestion ? { suggestion } : {} });
  }

  private checkNamed(v: unknown, bareToo: boolean, ctx: z.RefinementCtx): void {
    const what = this.info.kind;
    const fail = (sentence: string, path: PropertyKey[] = []) =>
      ctx.addIssue({ code: 'custom', message: sentence, path, params: { sentence } });
    if (!isRecord(v) || Object.keys(v).length !== 1) {
      const forms = `${bareToo ? 'a name or ' : ''}{name: {options}}`;
      fail(`expected one ${what} written as ${forms} (${this.names.join(', ')}), received ${showValue(v)}`);
      return;
    }
    const [k, o] = Object.entries(v)[0]!;
    const entry = this.find(k);
    if (entry?.name === k) checkOptions(entry, o, [k], ctx);
    else fail(`unknown ${what} "${k}"; expected ${this.oneOf()}${didYouMean(this.suggest(k))}`, [k]);
  }
}

const classNameOf = (e: Entry): string => e.className ?? e.name;
const spellings = (e: Entry): string[] => [...new Set([e.name, classNameOf(e), ...(e.aliases ?? [])])];

/** Options given as nothing (a bare name, `flatten:` in YAML) are `{}` where the entry takes an options object. */
export const optionsGiven = (schema: z.ZodType | undefined, given: unknown): unknown =>
  given ?? (schema instanceof z.ZodObject ? {} : undefined);

function checkOptions(e: Entry, given: unknown, path: PropertyKey[], ctx: z.RefinementCtx): void {
  if (!e.options) return;
  const o = optionsGiven(e.options, given);
  if (o === undefined) return;
  const r = e.options.safeParse(o);
  if (r.success) return;
  const known = e.options instanceof z.ZodObject ? Object.keys(e.options.shape) : null;
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0 && known) {
      // an option the layer (optimizer, ...) does not take: name the one it most likely meant, or list them
      const [k, ...more] = issue.keys;
      const near = nearestName(k!, known);
      const sentence =
        `unknown key${more.length ? ` (also ${more.join(', ')})` : ''}` +
        (near !== undefined ? didYouMean(near) : `; ${e.name} takes ${known.join(', ')}`);
      ctx.addIssue({ code: 'custom', message: sentence, path: [...path, k!], params: { sentence, unknownKey: true } });
    } else ctx.addIssue({ ...issue, path: [...path, ...issue.path] });
  }
}

/**
 * Refuses an option of a `{name: options}` form (`like`) that the entry does not take: `options` spelled as its
 * schema spells them (spellAs), `known` the schema's keys. The TypeScript API takes that form with any key (its type
 * is a record), and the getters strip what a schema lacks, so `compile({ optimizer: { adam: { learnig_rate: 0.1 } } })`
 * trained at adam's default rate without a word. A saved `{ className, config }` is refuseUnused's: configs that
 * other tools wrote carry keys seqtune does not read. A config file never gets here with one (its schema is strict).
 */
export function refuseUnknownOptions(like: unknown, options: unknown, known: readonly string[], where: string): void {
  if (!isRecord(like) || 'className' in like || !isRecord(options)) return;
  const [k, ...more] = Object.keys(options).filter((key) => !known.includes(key));
  if (k === undefined) return;
  const near = nearestName(k, known);
  const takes = known.length ? `takes ${known.join(', ')}` : 'takes no options';
  throw new ValueError(
    `${where}.${k}: unknown key${more.length ? ` (also ${more.join(', ')})` : ''}` +
      (near !== undefined ? didYouMean(near) : `; ${where} ${takes}`),
  );
}

/**
 * Keys another tool's saved config writes that an entry has no option for, each with whether a value leaves it out
 * of what the entry computes, that value in words and, where seqtune has its own way, what that is: Keras'
 * optimizers write `amsgrad: false` and `clipnorm: null`, its initializers `seed`.
 */
export type Bookkeeping = Readonly<
  Record<string, readonly [neutral: (v: unknown) => boolean, wants: string, instead?: string]>
>;

/**
 * A saved `{ className, config }`'s keys beyond the entry's options (`spelled` as spellAs spells them, `known` the
 * schema's keys): a key of `bookkeeping` at a value that leaves it out is read past; at any other value, or any other
 * key (a misspelt `stdev`, PyTorch's `eps`), a ValueError naming it, rather than a component built without it.
 */
export function refuseUnused(
  like: unknown,
  spelled: Record<string, unknown>,
  known: readonly string[],
  where: string,
  bookkeeping: Bookkeeping = {},
): void {
  if (!(isRecord(like) && 'className' in like)) return;
  const other = Object.fromEntries(Object.entries(spelled).filter(([k]) => !(k in bookkeeping)));
  refuseUnknownOptions({}, other, known, where);
  for (const [k, v] of Object.entries(spelled)) {
    const [neutral, wants, instead] = bookkeeping[k] ?? [() => true, ''];
    if (!neutral(v))
      throw new ValueError(
        `${expected(`${where}.${k}`, wants, v)}: seqtune's ${where.split('.').pop()} has no ${k}, ` +
          `it would train without it${instead ? `; ${instead}` : ''}`,
      );
  }
}

/** A value as a message shows it: strings quoted, nothing as `nothing`, the rest as JSON. */
export const showValue = (v: unknown): string =>
  v === undefined ? 'nothing' : typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));

/** A key path as a config file reads: `model.layers[0].gru.units`. */
export const pathString = (p: readonly PropertyKey[]): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');

/** The part of a zod issue a message needs. */
export interface IssueLike {
  readonly code: string;
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly keys?: readonly string[];
  readonly params?: { readonly sentence?: string; readonly suggestion?: string; readonly unknownKey?: boolean };
  /** An invalid_union's issues, one list per alternative. */
  readonly errors?: readonly (readonly IssueLike[])[];
}

/** Whether an issue is a key its object does not know: zod's, or an option a registry entry does not take. */
export const isUnknownKey = (i: IssueLike): boolean => i.code === 'unrecognized_keys' || i.params?.unknownKey === true;

/**
 * The issue a message reports: an unknown key first, so that a misspelt key (`lookbak`, `cosine.tmax`) is reported as
 * itself with "did you mean", not as the key it stands for missing; else the first.
 */
export function firstIssue<I extends IssueLike>(issues: readonly I[]): I {
  const issue = issues.find(isUnknownKey) ?? issues[0]!;
  return (issue.code === 'invalid_union' && matchedAlternative(issue)) || issue;
}

/**
 * The issue inside the one alternative of a union whose shape the value has (`{constant: "x"}` is the
 * `{constant: number}` form with a wrong number, not none of the forms), its path from the union's; else null.
 */
function matchedAlternative<I extends IssueLike>(union: I): I | null {
  const alts = union.errors ?? [];
  // its keys all known and wrong only inside; else, with unknown keys (a misspelt one) but nothing else wrong on top
  const inside = alts.filter((alt) => alt.every((i) => i.path.length > 0));
  const shaped = inside.length ? inside : alts.filter((alt) => alt.every((i) => i.path.length > 0 || isUnknownKey(i)));
  if (shaped.length !== 1) return null;
  const inner = firstIssue(shaped[0]!);
  return { ...inner, path: [...union.path, ...inner.path] } as unknown as I;
}

/**
 * One issue as one line: `where: expected X, received Y (did you mean "z"?)`, `where.key: unknown key`, or
 * the issue's own sentence. `shownAt` shows the value found at a path.
 */
export function issueSentence(
  issue: IssueLike,
  base: readonly PropertyKey[],
  shownAt: (p: PropertyKey[]) => string,
): string {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const k = issue.keys ?? [];
    return `${pathString([...path, k[0]!])}: unknown key${k.length > 1 ? ` (also ${k.slice(1).join(', ')})` : ''}`;
  }
  const where = pathString(path) || '(top level)';
  const p = issue.params;
  if (p?.sentence) return `${where}: ${p.sentence}`;
  const what = issue.message.startsWith('Invalid input') ? 'a valid value' : issue.message;
  return `${where}: expected ${what}, received ${shownAt(path)}${didYouMean(p?.suggestion)}`;
}

/** The value at a key path. */
export function valueAt(obj: unknown, p: readonly PropertyKey[]): unknown {
  let o = obj;
  for (const k of p) o = isRecord(o) || Array.isArray(o) ? (o as Record<PropertyKey, unknown>)[k] : undefined;
  return o;
}

/** Options checked by their schema, typed by it; a failure is a ValueError whose message starts with `key`. */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, key: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const shownAt = (p: PropertyKey[]) => {
    const v = valueAt(value, p.slice(1));
    return typeof v === 'string' || isRecord(v) || Array.isArray(v) ? JSON.stringify(v) : String(v);
  };
  throw new ValueError(issueSentence(firstIssue(r.error.issues), [key], shownAt), { cause: r.error });
}

// Key spellings. A config file writes options in snake_case, the TypeScript API in camelCase.

/** `learning_rate` -> `learningRate` as a type. */
export type CamelCase<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelCase<T>>}` : S;
/** An object's type with camelCase keys; for an unknown object, a record. */
export type CamelKeys<T> = unknown extends T
  ? Record<string, unknown>
  : { [K in keyof T as K extends string ? CamelCase<K> : K]: T[K] };

export const camel = (k: string): string => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** The same object with camelCase keys (`beta_1` -> `beta1`); anything but a plain object gives `{}`. */
export function camelKeys<T>(o: T): CamelKeys<T> {
  const entries = isRecord(o) ? Object.entries(o).map(([k, v]) => [camel(k), v]) : [];
  return Object.fromEntries(entries) as CamelKeys<T>;
}

/**
 * Options with each key spelled as `keys` spell it, whichever of snake_case or camelCase it came in
 * (`tMax` and `t_max` -> `t_max`; `beta1` -> `beta_1`), or as `aliases` map it (`lr` -> `learning_rate`);
 * keys it does not know are kept as they are.
 */
export function spellAs(
  o: unknown,
  keys: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  const byCamel = new Map(keys.map((k) => [camel(k), k]));
  const out: Record<string, unknown> = {};
  if (isRecord(o))
    for (const [k, v] of Object.entries(o)) {
      const to = aliases[k] ?? byCamel.get(camel(k)) ?? k;
      if (!(to in out) || to === k) out[to] = v;
    }
  return out;
}

// The pieces option schemas are made of, each with its message in the project's words.

export const e = (what: string) => ({ error: what });
export const posInt = (what = 'a positive integer') => z.number(e(what)).int(e(what)).positive(e(what));
export const nonNegInt = (what = 'a non-negative integer') => z.number(e(what)).int(e(what)).nonnegative(e(what));
export const num = (what = 'a number') => z.number(e(what)).finite(e(what));
export const int = (what = 'an integer') => z.number(e(what)).int(e(what));
export const posNum = (what = 'a positive number') => z.number(e(what)).positive(e(what)).finite(e(what));
export const nonNeg = (what = 'a non-negative number') => z.number(e(what)).nonnegative(e(what)).finite(e(what));
export const rate = (what = 'a number in [0, 1)') => z.number(e(what)).min(0, e(what)).lt(1, e(what));
export const bool = () => z.boolean(e('true or false'));
export const str = (what = 'a string') => z.string(e(what)).min(1, e(what));
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, e(values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)}` : values[0]));

/**
 * An option's default, on its schema where docs:config reads it (the schema's meta, `default` in its JSON Schema),
 * and `whose` it is where Keras and PyTorch differ. The code that applies the default keeps its own literal; the docs
 * test builds every component with each printed default written out and checks that it does what leaving it out does.
 */
export const withDefault = <S extends z.ZodType>(schema: S, value: unknown, whose?: string): S =>
  schema.meta({ default: value, ...(whose ? { whose } : {}) });

/** A strict options object (unknown keys are errors), with `what` as the message when it is not an object. */
export const optionsObject = <Shape extends z.ZodRawShape>(shape: Shape, what = 'an options object') =>
  z.strictObject(shape, e(what));
