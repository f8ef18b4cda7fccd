import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedStudyTests } from './shared-study.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-shared-db-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
sharedStudyTests('sqlite', async () => `sqlite:${join(dir, `s${n++}.db`)}`, false);
