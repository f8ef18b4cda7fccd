import { after } from 'node:test';
import { dropPgDatabases, freshPgUrl, pgSkip } from '../helpers/pg.js';
import { sharedStudyTests } from './shared-study.js';

after(dropPgDatabases);
sharedStudyTests('postgres', freshPgUrl, pgSkip);
