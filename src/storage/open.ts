// Storage from a URL: memory:, sqlite:FILE (relative to the working folder), or a bare file path.
import { MemoryStorage } from './memory.js';
import { SqliteStorage } from './sqlite.js';
import { type Storage, StorageError } from './types.js';

export function openStorage(url: string): Storage {
  if (url === 'memory:' || url === 'memory') return new MemoryStorage();
  if (url.startsWith('postgres://') || url.startsWith('postgresql://'))
    throw new StorageError(`--storage ${url}: PostgreSQL storage is not built yet; use sqlite:FILE`);
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (!file) throw new StorageError('--storage: expected sqlite:FILE, received "sqlite:"');
  return new SqliteStorage(file);
}
