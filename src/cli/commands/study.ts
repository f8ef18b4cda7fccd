// seqtune study ls|show|ensemble|create: the group of commands that read stored studies, and its explicit list.

import type { Command } from 'commander';
import { type AddCommand, type CliContext, withExamples } from '../context.js';
import { addStudyCreate } from './study-create.js';
import { addStudyEnsemble } from './study-ensemble.js';
import { addStudyLs } from './study-ls.js';
import { addStudyShow } from './study-show.js';

const SUBCOMMANDS: readonly AddCommand[] = [addStudyLs, addStudyShow, addStudyEnsemble, addStudyCreate];

export function addStudy(parent: Command, ctx: CliContext): Command {
  const study = parent.command('study').description('look at stored studies');
  for (const add of SUBCOMMANDS) add(study, ctx);
  return withExamples(study, 'seqtune study ls', 'seqtune study show my-forecast --json');
}
