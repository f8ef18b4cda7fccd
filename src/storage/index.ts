// storage/: study storage. Memory for tests, SQLite (one file, WAL) as the default.

export { MemoryStorage } from './memory.js';
export type { OpenOptions } from './open.js';
export { openStorage, storageUrlFrom } from './open.js';
export { SCHEMA_VERSION, SqliteStorage } from './sqlite.js';
export type { FrozenTrial, Storage, StudyRecord, TrialState } from './types.js';
export { freezeTrial, StorageError, TRIAL_STATES } from './types.js';
