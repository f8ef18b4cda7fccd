// storage/: study storage. Memory for tests, SQLite (one file, WAL) as the default, PostgreSQL for many machines.

export { MemoryStorage } from './memory.js';
export type { OpenOptions } from './open.js';
export { isMemory, openStorage, sqliteFileOf, storageUrlFrom, storageUrlProblem } from './open.js';
export { connectionLost, PgStorage, RECONNECT_MS, redactUrl } from './pg.js';
export { SCHEMA_VERSION } from './schema.js';
export { SeenTrials } from './seen-trials.js';
export {
  SqliteStorage,
  type SqliteStudyRow,
  seenKey as sqliteSeenKey,
  type TrialRow as SqliteTrialRow,
  trialOf as sqliteTrialOf,
} from './sqlite.js';
export type {
  EndState,
  FrozenTrial,
  MadeStudy,
  NewTrial,
  OfStudy,
  Owner,
  StaleResult,
  StaleRule,
  Storage,
  StudyRecord,
  TrialState,
  TrialsAt,
} from './types.js';
export {
  DuplicateTrial,
  freezeTrial,
  isStale,
  ownerText,
  rerunAttrs,
  StorageError,
  StudyRemade,
  staleGraceMs,
  TRIAL_STATES,
  trialDeadline,
} from './types.js';
