// npm run build's first step: are the tools it builds with installed? They are dev dependencies, and
// `npm install /path/to/a/checkout` runs the checkout's prepare (npm run build) without installing them there, so the
// build used to stop at a stack (ERR_MODULE_NOT_FOUND: assemblyscript, imported from scripts/build-wasm.mjs). Here it
// stops at one line that says what to run. The folder checked is the current one (npm runs scripts in the package's).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

// What each step of npm run build imports: build:wasm, build:ts (tsconfig's types: node), build:web (web/ imports
// uplot).
const TOOLS = ['assemblyscript', 'typescript', '@types/node', 'vite', 'uplot'];

const folder = resolve('.');
const paths = createRequire(join(folder, 'package.json')).resolve.paths('') ?? [];
const missing = TOOLS.filter((tool) => !paths.some((dir) => existsSync(join(dir, tool, 'package.json'))));
if (missing.length > 0) {
  console.error(
    `seqtune: npm run build (which npm runs as prepare when it installs a checkout's folder) needs the dev ` +
      `dependencies, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not installed in ${folder}: ` +
      `run npm install there first, or install a built package (npm pack there, then npm install the .tgz)`,
  );
  process.exit(1);
}
