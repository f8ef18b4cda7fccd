// npm run docs:table: rewrites README.md's table of what exists (between the registry-table markers)
// from the registries, so the README lists exactly what a config file and the library accept.
// `npm run docs:table -- --check` exits 1 when README.md differs (test/docs/readme.test.ts does the same).
import { fileURLToPath } from 'node:url';
import {
  activationRegistry,
  initializerRegistry,
  layerRegistry,
  lossRegistry,
  regularizerRegistry,
} from '../src/nn/index.js';
import { optimizerRegistry, scheduleRegistry } from '../src/optim/index.js';
import type { Entry, Registry } from '../src/registry.js';
import { callbackRegistry, metricRegistry } from '../src/train/index.js';
import { writeDoc } from './docs-write.js';

/** The registries, in the order the table lists them. */
export const REGISTRIES: readonly Registry<Entry>[] = [
  layerRegistry,
  activationRegistry,
  initializerRegistry,
  regularizerRegistry,
  lossRegistry,
  metricRegistry,
  optimizerRegistry,
  scheduleRegistry,
  callbackRegistry,
];

export const BEGIN =
  '<!-- registry-table: made from the registries by `npm run docs:table`; edit the entries, not this table -->';
export const END = '<!-- /registry-table -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|');
const entryText = (e: Entry): string =>
  [e.name, ...(e.aliases ?? [])].map((n) => `\`${n}\``).join('/') + (e.doc ? ` (${e.doc})` : '');

/** The table: one row per registry, its entries as a config names them (other spellings after a slash), its note. */
export function registryTable(registries: readonly Registry<Entry>[] = REGISTRIES): string {
  const rows = registries.map((r) => {
    const names = r.entries.map(entryText).join(', ');
    return `| ${r.info.title} | ${cell(r.info.note ? `${names}; ${r.info.note}` : names)} |`;
  });
  const head =
    "| kind | names (a config writes the first; after a slash the TypeScript API's spellings, " +
    'which a bare name may use too) |';
  return [head, '|---|---|', ...rows].join('\n');
}

/** README text with the section between the markers replaced by `table`. */
export function withTable(readme: string, table = registryTable()): string {
  const a = readme.indexOf(BEGIN),
    b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md: no "${BEGIN}" ... "${END}" section`);
  return `${readme.slice(0, a + BEGIN.length)}\n${table}\n${readme.slice(b)}`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  writeDoc('docs:table', 'README.md', (before) => withTable(before));
