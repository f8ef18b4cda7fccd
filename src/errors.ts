// The errors seqtune throws on purpose: one root class, a subclass per kind, and the helpers that word the
// messages. It imports nothing, so any file may import it (engine/index.ts re-exports it as before).

/** Root of every error seqtune throws on purpose; `cause` is kept when one error wraps another. */
export class SeqtuneError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The error code of a full disk or a spent quota in `e` or an error it wraps (`cause`): ENOSPC, EDQUOT, or SQLite's
 * SQLITE_FULL; undefined for any other error. Such a failure is the machine's, not the input's nor the work's.
 */
export function noSpaceCode(e: unknown): string | undefined {
  for (let x = e, depth = 0; x instanceof Error && depth < 5; x = x.cause, depth++) {
    const code = (x as { code?: unknown }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL') return code;
  }
  return undefined;
}

/**
 * An argument or option outside what the function accepts. The message names it, what was expected and what
 * was received.
 */
export class ValueError extends SeqtuneError {}

/**
 * The work needs more memory than seqtune can have: the 4 GiB a WebAssembly memory holds (engine). The message says
 * how much was in use, how much more was needed and what to make smaller; the CLI reads it as a config that cannot
 * fit (exit 2, one line), not as a bug.
 */
export class MemoryLimitError extends SeqtuneError {}

/** Shapes that do not fit together. */
export class ShapeError extends SeqtuneError {}

/** Reads an expectation as `name: expected X, received Y`. */
export function expected(name: string, what: string, received: unknown): string {
  const shown =
    typeof received === 'string' || (typeof received === 'object' && received !== null)
      ? (JSON.stringify(received) ?? String(received))
      : String(received);
  return `${name}: expected ${what}, received ${shown}`;
}

export function assertPositiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    throw new ValueError(expected(name, 'a positive integer', v));
  return v;
}

/**
 * An optional true-or-false option, as given (undefined: the layer's default). A saved model.json edited by hand
 * with `"goBackwards": "false"` was read as true, as any string is, by the layer and by the export alike.
 */
export function assertOptionalBool(name: string, v: unknown): boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') throw new ValueError(expected(name, 'true or false', v));
  return v;
}

export function assertRate(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new ValueError(expected(name, 'a number in [0, 1)', v));
  return v;
}
