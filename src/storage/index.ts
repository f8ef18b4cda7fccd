// storage/: study storage. Memory for tests, SQLite (one file, WAL) as the default.
export { StorageError, TRIAL_STATES, freezeTrial } from './types.js';
export type { Storage, StudyRecord, FrozenTrial, TrialState } from './types.js';
export { MemoryStorage } from './memory.js';
export { SqliteStorage, SCHEMA_VERSION } from './sqlite.js';
export { openStorage } from './open.js';
