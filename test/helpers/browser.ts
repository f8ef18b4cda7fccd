// What the dashboard's browser tests share: Debian's Chromium driven by playwright-core (the tests are skipped
// without it, and fail instead with CI set), the front end built from web/ into a temporary folder, and a page that
// records the dialogs it opened and the errors its scripts threw.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests are skipped here, or false. */
export const missing: string | false = existsSync(CHROMIUM)
  ? false
  : `${CHROMIUM} is not installed (apt-get install -y chromium)`;
if (missing && process.env.CI) throw new Error(`CI is set and the browser tests cannot run: ${missing}`);

/** Builds the front end from web/ into a temporary folder, so the pages tested are the sources' own. */
export async function buildWeb(): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'seqtune-dash-web-'));
  process.on('exit', () => rmSync(out, { recursive: true, force: true }));
  const { build } = await import('vite');
  await build({
    configFile: join(import.meta.dirname, '..', '..', 'web', 'vite.config.mjs'),
    configLoader: 'native',
    build: { outDir: out },
    logLevel: 'warn',
  });
  return out;
}

/** A headless Chromium and one page of it, with every dialog dismissed and noted, and every page error noted. */
export interface OpenPage {
  browser: Browser;
  page: Page;
  dialogs: string[];
  errors: string[];
}

export async function openPage(): Promise<OpenPage> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const dialogs: string[] = [],
    errors: string[] = [];
  page.on('dialog', (dl) => {
    dialogs.push(dl.message());
    void dl.dismiss();
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { browser, page, dialogs, errors };
}
