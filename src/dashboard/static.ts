// The built front end (npm run build:web writes dist/web): index.html at /, the hashed assets by name, and any other
// path sent to the page of its # address (pageAddress). Files are looked up by a plain relative path under the
// folder and never outside it.

import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside, realFolder } from './files.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** dist/web beside the compiled dashboard (dist/dashboard), or the checkout's dist/web when run from src/. */
export function defaultWebDir(): string | null {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const found = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')].find((d) =>
    existsSync(join(d, 'index.html')),
  );
  return found ?? null;
}

/**
 * A URL path with its %XX sequences decoded (the router leaves %25 and reserved ones encoded), or null where a % does
 * not begin UTF-8 percent-encoding (`/%`, `/%E0%A4%A`): such an address names no file, and decodeURIComponent threw
 * on it (answered 500).
 */
export function decodedPath(urlPath: string): string | null {
  try {
    return decodeURIComponent(urlPath);
  } catch {
    return null;
  }
}

/** A file of the front end by its decoded URL path (decodedPath), or null. */
export async function webFile(dir: string, path: string): Promise<{ body: Buffer; type: string } | null> {
  const root = realFolder(dir);
  const rel = normalize(path.replace(/^\/+/, ''));
  if (!root || rel.startsWith('..') || rel.includes(`${sep}..`) || rel.includes('\0')) return null;
  const file = realFolder(join(root, rel));
  const type = TYPES[extname(rel).toLowerCase()];
  if (!file || !type || !isInside(file, root) || !(await stat(file)).isFile()) return null;
  return { body: await readFile(file), type };
}

/**
 * Where a path that is no file of the front end is sent: the page of the same address after a `#`, which is how the
 * pages are addressed (`/study/NAME?x` -> `#/study/NAME?x`). index.html loads its assets relative to its own address
 * (Vite's base './', so the dashboard can sit under a proxy's path): served at /study/NAME it asked for
 * /study/assets/..., was answered index.html again, and its script never ran (a blank page). The address is relative
 * (`../#/study/NAME`: one `../` for each folder the path is in), so it is the dashboard's own root wherever that is,
 * and never another site's; the path's %XX stay as they were, as the pages decode them.
 */
export function pageAddress(url: string): string {
  const { pathname, search } = new URL(url);
  const folders = pathname.split('/').length - 2;
  return `${folders > 0 ? '../'.repeat(folders) : './'}#${pathname}${search}`;
}
