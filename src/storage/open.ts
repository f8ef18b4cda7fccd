// Storage from a URL: memory:, sqlite:FILE (relative to the working folder), or a bare file path.
import { existsSync } from 'node:fs';
import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import { type Storage, StorageError } from './types.js';

export interface OpenOptions {
  /** Only read what is there: a SQLite file that does not exist is an error, never created (study ls, show). */
  existing?: boolean;
}

export function openStorage(url: string, o: OpenOptions = {}): Storage {
  if (url === 'memory:' || url === 'memory') return new MemoryStorage();
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    throw new StorageError(`--storage ${url}: PostgreSQL storage is not built yet; use sqlite:FILE`);
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (!file) throw new StorageError('--storage: expected sqlite:FILE, received "sqlite:"');
  if (o.existing && !existsSync(file))
    throw new StorageError(
      `${file}: no such study storage (a study is stored where its config's tune.storage says, ` +
        'by default seqtune.db beside the config; name it with --storage)',
    );
  return new SqliteStorage(file);
}
