// A run folder whose diagnosis says diverged: a loss that blew up, to finite values too (Adam at 1e30, a loss of
// 1e61), whose weights still give numbers. train exits 1 for it; evaluate, export and predict read the folder's
// diagnosis.json to say the same.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkFailed } from './context.js';

/** The summary of the run folder's diagnosis.json where its pattern is diverged; null otherwise (or without one). */
async function divergedSummary(runDir: string): Promise<string | null> {
  const text = await readFile(join(runDir, 'diagnosis.json'), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const d = JSON.parse(text) as { pattern?: unknown; summary?: unknown };
    return d.pattern === 'diverged' ? (typeof d.summary === 'string' ? d.summary : 'its diagnosis says so') : null;
  } catch {
    return null;
  }
}

/**
 * Exit 1 (WorkFailed) for a run folder whose diagnosis says diverged, with what the command cannot do (`nothing`:
 * "nothing to export"), else nothing: evaluate, export and predict say the same of it.
 */
export async function failIfDiverged(runDir: string, nothing?: string): Promise<void> {
  const diverged = await divergedSummary(runDir);
  if (diverged)
    throw new WorkFailed(
      `${runDir}: the run diverged (${diverged}; diagnosis.json says); ${nothing ? `${nothing}: ` : ''}train it ` +
        'again with a lower learning rate',
    );
}
