// seqtune lr-find CONFIG [--json] [--out DIR] [--steps N]: the learning-rate range test.

import type { Command } from 'commander';
import { type LrFindResult, lrFindRun, lrSuggestionText } from '../../check/index.js';
import { loadConfig } from '../../config/index.js';
import { defaultRunDir, RunFolder } from '../../run/index.js';
import { type CliContext, withExamples } from '../context.js';
import { integerAtLeast, THREADS_OPTION, withThreads } from '../options.js';

interface LrFindOptions {
  json?: boolean;
  out?: string;
  steps: number;
  threads?: number;
}

export function addLrFind(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('lr-find')
    .argument('<config>', 'YAML config file')
    .option('--json', 'print {"suggested": {...}, "points": [...]} as JSON')
    .option('--out <dir>', 'where to write lr-find.svg/png (default runs/<name>/lr-find-<time> beside the config)')
    .option('--steps <n>', 'steps of the sweep, at least 2', integerAtLeast('--steps', 2), 200)
    .option(...THREADS_OPTION)
    .description('learning-rate range test: suggests a learning rate and a range')
    .action(async (config: string, o: LrFindOptions) => {
      const loaded = withThreads(await loadConfig(config), o.threads);
      // the folder's place is judged before the CSV is read and swept: an --out taken or below a file was refused
      // after the sweep ('afile: exists, and is not a folder (EEXIST)')
      const out = await RunFolder.refuseTaken(
        o.out ?? defaultRunDir(loaded.name, loaded.dir).replace(/([^/]+)$/, 'lr-find-$1'),
      );
      const res = await lrFindRun(loaded, { out, steps: o.steps });
      if (o.json) io.out(`${JSON.stringify({ suggested: res.suggested, points: res.points })}\n`);
      else io.out(`${suggestionText(res.suggested)}; plot: ${res.dir}/lr-find.png\n`);
    });
  return withExamples(cmd, 'seqtune lr-find my.yaml', 'seqtune lr-find my.yaml --steps 100 --json');
}

/** lr-find's suggestion (lrSuggestionText), and on a flat curve what to do instead. */
function suggestionText(suggested: LrFindResult['suggested']): string {
  const instead = "; keep the config's learning rate, or sweep it in a study (seqtune tune, strategy auto)";
  return `${lrSuggestionText(suggested)}${suggested.flat ? instead : ''}`;
}
