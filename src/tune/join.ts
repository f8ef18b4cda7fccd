// What `seqtune worker` joins: a study as stored, its config read from storage (not from a file: the worker may be
// on another machine), its data found beside the stored config file or under --data-root. Nothing is written
// before the study and its data are known to be there.
import { access } from 'node:fs/promises';
import { dirname } from 'node:path';
import { dataSpec, type LoadedConfig, type RawConfig } from '../config/index.js';
import { DataError } from '../data/index.js';
import { studyHome, studyPath } from '../run/index.js';
import { openStorage, StorageError } from '../storage/index.js';

/** The stored config of study `name` in `url` as a loaded config whose data is under `dataRoot` when given. */
export async function storedConfig(url: string, name: string, dataRoot?: string): Promise<LoadedConfig> {
  const st = openStorage(url, { existing: true });
  let attrs: Record<string, unknown>;
  const home = studyHome(st);
  try {
    const rec = await st.getStudy(name);
    if (!rec)
      throw new StorageError(
        `no study named "${name}" in ${storageShown(url)} (create it with seqtune study create or tune)`,
      );
    attrs = rec.attrs as Record<string, unknown>;
  } finally {
    await st.close();
  }
  const raw = attrs.config as RawConfig | undefined;
  const stored = attrs.config_file as string | undefined;
  if (!raw || !stored)
    throw new StorageError(`study "${name}" records no config (it was made through the library, not seqtune tune)`);
  // beside the study's file when the project folder was moved or copied with it (study-paths.ts)
  const file = studyPath(stored, home);
  const dir = dataRoot ?? dirname(file);
  const { csvPath } = dataSpec(raw, dir);
  try {
    await access(csvPath);
  } catch {
    throw new DataError(
      `${csvPath}: cannot read the data of study "${name}" (data.csv ${JSON.stringify(raw.data.csv)} under ${dir}); ` +
        `give --data-root DIR, the folder ${JSON.stringify(raw.data.csv)} is read from on this machine`,
    );
  }
  return { raw, file, dir, name };
}

/** A storage URL as messages show it (a PostgreSQL password left out). */
function storageShown(url: string): string {
  return url.replace(/(\/\/[^:/@]*):[^@]*@/, '$1@');
}
