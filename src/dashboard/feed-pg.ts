// The feed's queries on a PostgreSQL study database, on one connection of its own. PostgreSQL has no cheap
// "anything written?" check, so every poll asks; each query reads only new rows and the open trials (index scans).

import pg from 'pg';
import { connectionLost } from '../storage/index.js';
import type { FeedSource, StudyRowLite, TrialRowLite } from './feed.js';

const TRIALS = `SELECT t.id, t.study_id AS "studyId", s.name AS study, t.number, t.state, t.value
  FROM trials t JOIN studies s ON s.id = t.study_id
  WHERE t.id > $1 OR t.state IN ('waiting', 'running') OR t.id = ANY($2::int[])`;
const EPOCHS = `SELECT trial_id AS trial, step, value FROM intermediate WHERE trial_id = ANY($1::int[])
  ORDER BY trial_id, step`;

export class PgFeed implements FeedSource {
  private client: pg.Client | null = null;
  private connected: Promise<void> | null = null;

  constructor(private readonly url: string) {}

  /**
   * The feed's connection, made on first use and made again after the server dropped it (a restart): a failed
   * connect or a lost connection fails this poll only, and the next poll connects afresh.
   */
  private async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<R[]> {
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 15000 });
      client.on('error', () => {
        if (this.client === client) this.drop();
      });
      this.client = client;
      this.connected = client.connect().then(() => {});
    }
    const client = this.client;
    try {
      await this.connected;
      return (await client.query<R>(sql, args)).rows;
    } catch (e) {
      if (this.client === client && connectionLost(e)) this.drop();
      throw e;
    }
  }
  private drop(): void {
    const c = this.client;
    this.client = null;
    this.connected = null;
    c?.end().catch(() => {});
  }
  async changed(): Promise<boolean> {
    return true;
  }
  async maxTrialId(): Promise<number> {
    const [r] = await this.q<{ m: number }>('SELECT coalesce(max(id), 0) AS m FROM trials');
    return Number(r!.m);
  }
  async studies(): Promise<StudyRowLite[]> {
    const rows = await this.q<StudyRowLite>(
      'SELECT id, name, attrs, created::text AS created FROM studies ORDER BY id',
    );
    return rows.map((r) => ({ id: Number(r.id), name: r.name, attrs: r.attrs, created: r.created }));
  }
  async lastTrials(): Promise<{ study: number; trial: number }[]> {
    const rows = await this.q<{ study: number; trial: number }>(
      'SELECT study_id AS study, max(id) AS trial FROM trials GROUP BY study_id',
    );
    return rows.map((r) => ({ study: Number(r.study), trial: Number(r.trial) }));
  }
  async trials(after: number, ids: readonly number[]): Promise<TrialRowLite[]> {
    return this.q<TrialRowLite>(TRIALS, [after, ids]);
  }
  async epochs(ids: readonly number[]): Promise<{ trial: number; step: number; value: number | null }[]> {
    if (!ids.length) return [];
    return this.q(EPOCHS, [ids]);
  }
  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    if (c) await c.end().catch(() => {});
  }
}
