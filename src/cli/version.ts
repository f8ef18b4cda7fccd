// The version `seqtune --version` prints, and where a bug is reported: package.json's, read at run time. This file
// sits two folders below the package root both as source (src/cli/version.ts, run through tsx) and built
// (dist/cli/version.js).

import { readFileSync } from 'node:fs';

/** The parts of package.json the command line reads. */
export interface PackageInfo {
  version: string;
  bugs?: string | { url?: string };
  repository?: string | { url?: string };
}

export function packageInfo(): PackageInfo {
  return JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageInfo;
}

export function packageVersion(): string {
  return packageInfo().version;
}
