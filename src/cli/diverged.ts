// A run folder whose diagnosis says diverged: a loss that blew up, to finite values too (Adam at 1e30, a loss of
// 1e61), whose weights still give numbers. train exits 1 for it; evaluate, export and predict read the folder's
// diagnosis.json to say the same.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The summary of the run folder's diagnosis.json where its pattern is diverged; null otherwise (or without one). */
export async function divergedSummary(runDir: string): Promise<string | null> {
  const text = await readFile(join(runDir, 'diagnosis.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const d = JSON.parse(text) as { pattern?: unknown; summary?: unknown };
    return d.pattern === 'diverged' ? (typeof d.summary === 'string' ? d.summary : 'its diagnosis says so') : null;
  } catch {
    return null;
  }
}
