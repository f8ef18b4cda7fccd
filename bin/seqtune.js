#!/usr/bin/env node
// The seqtune command (built code in dist/; `npm install` builds it).
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
