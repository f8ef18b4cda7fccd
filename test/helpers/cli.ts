// Runs the seqtune command from source (for tests that need a real, killable process).
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
