// seqtune study ls|show|ensemble|create|enqueue|export|delete: the group of study commands, and its explicit list.

import type { Command } from 'commander';
import { type AddCommand, type CliContext, withExamples } from '../context.js';
import { addStudyCreate } from './study-create.js';
import { addStudyDelete } from './study-delete.js';
import { addStudyEnqueue } from './study-enqueue.js';
import { addStudyEnsemble } from './study-ensemble.js';
import { addStudyExport } from './study-export.js';
import { addStudyLs } from './study-ls.js';
import { addStudyShow } from './study-show.js';

const SUBCOMMANDS: readonly AddCommand[] = [
  addStudyLs,
  addStudyShow,
  addStudyEnsemble,
  addStudyCreate,
  addStudyEnqueue,
  addStudyExport,
  addStudyDelete,
];

export function addStudy(parent: Command, ctx: CliContext): Command {
  const study = parent.command('study').description('look at, create, add trials to, export and delete stored studies');
  for (const add of SUBCOMMANDS) add(study, ctx);
  return withExamples(study, 'seqtune study ls', 'seqtune study show my-forecast --json');
}
