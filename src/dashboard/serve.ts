// Starting and stopping the dashboard: open the storage read-only (a SQLite file must exist; it is never created),
// start the change feed, listen on host:port. A port in use or a storage that cannot be read is a DashboardError,
// which the CLI prints as one line (exit 2).

import { statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { openStorage, redactUrl, type Storage, type TrialsAt } from '../storage/index.js';
import { dashboardApp, type StreamLimits } from './app.js';
import { DashboardError } from './errors.js';
import { Feed, type FeedSource } from './feed.js';
import { PgFeed } from './feed-pg.js';
import { SqliteFeed } from './feed-sqlite.js';
import { hostNames } from './hosts.js';
import { Hub } from './hub.js';
import { defaultWebDir } from './static.js';
import { SqliteTrials } from './trials-sqlite.js';

export { DashboardError };

export interface DashboardOptions {
  /** A study storage URL: sqlite:FILE (or a bare path) or postgres://... */
  storage: string;
  /** The folder of run folders the pages may show (and serve files of); null: none but the studies' own. */
  runs?: string | null;
  host?: string;
  /** More names the pages may be reached by (--allowed-host; `.example.com`: it and the names under it). */
  allowedHosts?: readonly string[];
  /** 0: any free port. */
  port?: number;
  /** The built front end; default dist/web. */
  web?: string | null;
  /** How often the storage is polled for changes while a page listens (ms). */
  pollMs?: number;
  /** When an event stream whose client reads too slowly is ended (tests); default STREAM_LIMITS. */
  streamLimits?: StreamLimits;
}

export interface Dashboard {
  url: string;
  port: number;
  /** The names it answers to besides IP addresses and localhost (hosts.ts). */
  hosts: readonly string[];
  close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '::1', '[::1]'];
/** Whether a host only listens to this machine (no warning needed). */
export const isLoopback = (host: string): boolean => LOOPBACK.includes(host);

/**
 * How many studies the dashboard's storage (and its SQLite reader) keeps what it read of (OpenOptions.studiesKept):
 * the Studies page reads every study in turn at each poll, so with more studies than the 4 a tune keeps, each read
 * put out the one read next and every read was a full one (every row selected and built). 256 is well above the
 * studies of a database a person watches on one page, and still a bound where a process would read thousands: the
 * memory is what the kept records hold (~3 KB a trial of 40 epochs, STUDIES_KEPT's measurement), where keeping every
 * study would keep every trial of the database; past 256 studies the reads are full ones, as before.
 */
const DASHBOARD_STUDIES_KEPT = 256;

const isPostgres = (url: string) => url.startsWith('postgres://') || url.startsWith('postgresql://');
const sqliteFile = (url: string) => (url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url);

function feedSourceFor(url: string): FeedSource {
  if (url === 'memory:' || url === 'memory')
    throw new DashboardError('--storage memory: a memory storage lives in its own process; name a sqlite: file');
  return isPostgres(url) ? new PgFeed(url) : new SqliteFeed(sqliteFile(url));
}

/**
 * Trials of a study as the study pages read them, with storage's clock: from SQLite, without the attributes' history;
 * from PostgreSQL, the storage's. Two requests for one study at once (the study page asks for its JSON and its curves
 * together) share one read.
 */
function trialReader(
  url: string,
  storage: Storage,
): { read: (study: string) => Promise<TrialsAt>; listed(): void; close(): void } {
  const light = isPostgres(url) ? null : new SqliteTrials(sqliteFile(url), { studiesKept: DASHBOARD_STUDIES_KEPT });
  const inFlight = new Map<string, Promise<TrialsAt>>();
  const read = (study: string) => {
    let p = inFlight.get(study);
    if (!p) {
      p = (light ? light.getTrialsAt(study) : storage.getTrialsAt(study)).finally(() => inFlight.delete(study));
      inFlight.set(study, p);
    }
    return p;
  };
  // the storage's listStudies drops what it kept of the studies deleted since; the SQLite reader keeps its own
  return { read, listed: () => light?.keepListed(), close: () => light?.close() };
}

function listen(server: ReturnType<typeof createAdaptorServer>, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      // a host that is no address of this machine, or no name at all, is the --host's fault, not the port's
      const hostWhy: Record<string, string> = {
        EADDRNOTAVAIL: 'is not an address of this machine',
        ENOTFOUND: 'is no host name this machine can resolve',
        EAI_AGAIN: 'could not be resolved (try an address such as 127.0.0.1 or 0.0.0.0)',
      };
      const why =
        e.code === 'EADDRINUSE'
          ? 'is in use (another dashboard?); choose another --port'
          : `cannot be listened on (${e.code ?? e.message})`;
      reject(
        new DashboardError(
          e.code && hostWhy[e.code]
            ? `--host ${host}: ${hostWhy[e.code]} (${e.code})`
            : `--port ${port}: ${host}:${port} ${why}`,
        ),
      );
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Opens the storage and a feed source over it; a storage that cannot be read closes what was opened and throws. */
async function openReadable(url: string): Promise<{ storage: Storage; source: FeedSource }> {
  // a page waits a few seconds for a PostgreSQL server that restarts, not a minute: its next poll asks again; the
  // dashboard only reads, so a study an older seqtune wrote is read in its schema, not migrated (as study show)
  const storage = openStorage(url, { readOnly: true, reconnectMs: 5000, studiesKept: DASHBOARD_STUDIES_KEPT });
  try {
    await storage.listStudies();
    return { storage, source: feedSourceFor(url) };
  } catch (e) {
    await storage.close().catch(() => {});
    throw e;
  }
}

/** Opens the storage and its feed; a storage that cannot be read closes what was opened and throws. */
async function openSources(url: string): Promise<{ storage: Storage; feed: Feed }> {
  const { storage, source } = await openReadable(url);
  const feed = new Feed(source);
  try {
    await feed.start();
    return { storage, feed };
  } catch (e) {
    await feed.close().catch(() => {});
    await storage.close().catch(() => {});
    throw e;
  }
}

/**
 * The storage and the trials reader the pages read, opened again when the SQLite file they read was replaced: `rm
 * seqtune.db` and a new study, or a copy moved over it. Each connection kept the file it had opened: the pages showed
 * the removed file's studies, and none of the new one's, until the dashboard was restarted. A file removed and not
 * replaced keeps the one open, and `gone` says so (/api/health: it said ok while the pages showed a file no longer
 * there). One that cannot be read (a folder, a file of another kind, a tune making its tables) keeps the one open too,
 * and `unreadable` says why: it was tried again at each look while /api/health said ok; it is read once it can be.
 */
class Readers {
  private ino: number | null;
  /** Why what the pages show is no longer the storage's: the file was removed from its path and none is there. */
  gone: string | null = null;
  /** Why what the pages show is no longer the storage's: the file at its path now cannot be read (the error). */
  unreadable: string | null = null;
  private swapping: Promise<void> | null = null;
  /** A feed source for the file opened last, until the hub takes it (Hub's `reopened`). */
  private source: FeedSource | null = null;

  constructor(
    private readonly url: string,
    public storage: Storage,
    public trials: ReturnType<typeof trialReader>,
  ) {
    this.ino = isPostgres(url) ? null : inodeOf(sqliteFile(url));
  }

  /** Opens the file again if another is at its path now; what was open is closed a little later (reads in flight). */
  fresh(): Promise<void> {
    if (this.ino === null) return Promise.resolve();
    const file = sqliteFile(this.url);
    const ino = inodeOf(file);
    this.gone = ino === null ? GONE : null;
    if (ino === null || ino === this.ino) this.unreadable = null;
    if (ino === null || ino === this.ino || this.swapping) return this.swapping ?? Promise.resolve();
    this.swapping = openReadable(this.url)
      .then(({ storage, source }) => {
        this.unreadable = null;
        const [oldStorage, oldTrials] = [this.storage, this.trials];
        this.storage = storage;
        this.trials = trialReader(this.url, storage);
        void this.source?.close().catch(() => {}); // one the hub did not take yet
        this.source = source;
        this.ino = ino;
        setTimeout(() => {
          oldTrials.close();
          void oldStorage.close().catch(() => {});
        }, 10_000).unref();
      })
      .catch((e: Error) => {
        // the next look tries again
        this.unreadable = unreadable(file, e);
      })
      .finally(() => {
        this.swapping = null;
      });
    return this.swapping;
  }

  /** The feed source of a file opened again since the last call, or null (Hub's `reopened`). */
  async reopened(): Promise<FeedSource | null> {
    await this.fresh();
    const s = this.source;
    this.source = null;
    return s;
  }

  close(): Promise<void> {
    this.trials.close();
    void this.source?.close().catch(() => {});
    return this.storage.close();
  }
}

const GONE =
  'the SQLite file is no longer at its path (removed or moved): what the pages read of it stays as it was, and ' +
  'nothing new is read; a study file made there again is read anew';

/** What /api/health says of a file at the path that cannot be read: its name, not the folders (storageName). */
const unreadable = (file: string, e: Error) =>
  `the SQLite file at its path cannot be read (${e.message.replaceAll(file, basename(file))}): what the pages read ` +
  'before stays as it was, and nothing new is read; it is read anew once it can be';

function inodeOf(file: string): number | null {
  try {
    return statSync(file).ino;
  } catch {
    return null;
  }
}

/** Starts the dashboard; `close()` stops listening, ends the event streams and closes the storage. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const host = o.host ?? '127.0.0.1';
  const hosts = hostNames(host, o.allowedHosts ?? []); // an --allowed-host that names no host throws first
  const first = await openSources(o.storage);
  const r = new Readers(o.storage, first.storage, trialReader(o.storage, first.storage));
  const hub = new Hub(first.feed, o.pollMs ?? 250, () => r.reopened());
  const app = dashboardApp({
    get storage() {
      return r.storage;
    },
    trials: (study) => r.trials.read(study),
    listed: () => r.trials.listed(),
    storageError: () => r.gone ?? r.unreadable,
    where: redactUrl(o.storage),
    runs: o.runs ?? null,
    hub,
    web: o.web === undefined ? defaultWebDir() : o.web,
    hosts,
    ...(o.streamLimits ? { streamLimits: o.streamLimits } : {}),
  });
  const server = createAdaptorServer({
    fetch: async (req: Request, ...rest: unknown[]) => {
      await r.fresh();
      return app.fetch(req, ...(rest as []));
    },
  });
  let port: number;
  try {
    port = await listen(server, o.port ?? 8080, host);
  } catch (e) {
    await hub.close();
    await r.close();
    throw e;
  }
  const shown = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/`,
    port,
    hosts,
    async close() {
      await hub.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await r.close();
    },
  };
}
