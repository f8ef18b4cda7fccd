// seqtune init [FILE]: a commented starter config; never overwrites a file.

import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { STARTER_CONFIG } from '../../run/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';

export function addInit(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('init')
    .argument('[file]', 'where to write', 'seqtune.yaml')
    .description('write a commented starter config')
    .action(async (file: string) => {
      if (existsSync(file)) throw new UsageError(`${file}: already exists; seqtune init does not overwrite files`);
      await writeFile(file, STARTER_CONFIG);
      io.out(`wrote ${file}\n`);
    });
  return withExamples(cmd, 'seqtune init', 'seqtune init my.yaml');
}
