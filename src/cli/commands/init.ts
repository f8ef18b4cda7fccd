// seqtune init [FILE] [--csv DATA --target COLUMN[,COLUMN...]]: a commented starter config, its data section read off
// the CSV when one is given; never overwrites a file, and writes it whole or not at all (a full disk left an empty
// config that the next init refused as 'already exists').

import { existsSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { STARTER_CONFIG, starterConfig, startFromCsv, writeWhole } from '../../run/index.js';
import { type CliContext, UsageError, withExamples } from '../context.js';

interface InitOptions {
  csv?: string;
  target?: string;
}

export function addInit(parent: Command, { io }: CliContext): Command {
  const cmd = parent
    .command('init')
    .argument('[file]', 'where to write', 'seqtune.yaml')
    .option('--csv <file>', 'fill the data section from this CSV: time column, target, lookback, baselines')
    .option(
      '--target <columns>',
      'the column to forecast, or several: a,b (needed when the CSV has several numeric columns)',
    )
    .description('write a commented starter config')
    .action(async (file: string, o: InitOptions) => {
      // `seqtune init data.csv` would write a YAML config over a name meant for data (or refuse a CSV that exists
      // with "already exists"): the argument is where the config goes, the data comes with --csv
      if (/\.(csv|tsv|txt)$/i.test(file))
        throw new UsageError(
          `${file}: seqtune init writes a config (YAML) to the file it is given, and this name is a data file's; ` +
            (o.csv === undefined
              ? `to start a config from this CSV: seqtune init --csv ${file} (writes seqtune.yaml)`
              : `name the config: seqtune init my.yaml --csv ${o.csv}`),
        );
      if (existsSync(file)) throw new UsageError(`${file}: already exists; seqtune init does not overwrite files`);
      if (o.target !== undefined && o.csv === undefined) throw new UsageError('--target needs --csv FILE');
      if (o.csv === undefined) {
        await writeWhole(file, STARTER_CONFIG);
        io.out(`wrote ${file}\n`);
        return;
      }
      const start = await startFromCsv(o.csv, o.target);
      // the CSV's path as the config names it: relative to the config's folder (as paths in a config are) when the
      // CSV is in it or below, else absolute
      const rel = relative(dirname(resolve(file)), resolve(o.csv));
      const csv = rel.startsWith('..') || isAbsolute(rel) ? resolve(o.csv) : rel.split(sep).join('/');
      await writeWhole(file, starterConfig({ ...start, csv }));
      io.out(
        `wrote ${file} from ${o.csv}:\n${start.said.map((l) => `  ${l}\n`).join('')}` +
          `next: seqtune check ${file}, then seqtune train ${file}\n`,
      );
    });
  return withExamples(
    cmd,
    'seqtune init',
    'seqtune init my.yaml',
    'seqtune init my.yaml --csv measurements.csv --target load',
  );
}
