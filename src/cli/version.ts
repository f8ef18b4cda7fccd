// The version `seqtune --version` prints: package.json's, read at run time. This file sits two folders below the
// package root both as source (src/cli/version.ts, run through tsx) and built (dist/cli/version.js).

import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
