// The files the dashboard may serve: only the plain files of a run folder the storage or --runs names, by a bare
// file name. A name with a separator, a `..`, an absolute path (after decoding: the router decodes %2F and %2E),
// or a file whose real path (symlinks followed) leads outside its run folder is not found, never read.

import { realpathSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

/** What a served file is, by its extension; anything else is not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
};

/** The real path of a folder, or null when it does not exist. */
export function realFolder(dir: string): string | null {
  try {
    return realpathSync(dir);
  } catch {
    return null;
  }
}

/** Whether `inner` (a real path) is `outer` (a real path) or inside it. */
export const isInside = (inner: string, outer: string): boolean =>
  inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);

/** A bare file name that may be looked up in a run folder: no separator, no dot segment, no NUL. */
export const isPlainName = (name: string): boolean =>
  name.length > 0 && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && !name.startsWith('.');

/**
 * The bytes and content type of file `name` in run folder `dir`, or null (answered 404) when the name is not a
 * plain name of a known type, the file is missing, not a regular file, or its real path is outside the folder.
 */
export async function runFile(dir: string, name: string): Promise<{ body: Buffer; type: string } | null> {
  const type = CONTENT_TYPES[extname(name).toLowerCase()];
  const root = realFolder(dir);
  if (!type || !root || !isPlainName(name)) return null;
  const real = realFolder(join(root, name));
  if (!real || !isInside(real, root) || real === root) return null;
  const s = await stat(real).catch(() => null);
  if (!s?.isFile()) return null;
  return { body: await readFile(real), type };
}
