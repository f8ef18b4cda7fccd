// The dashboard's HTTP app (Hono): a read-only JSON API over the study storage and the run folders, Server-Sent
// Events of what changes, and the built front end. Every method but GET and HEAD is answered 405.

import { basename, resolve } from 'node:path';
import { type Context, Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import { studyHome } from '../run/index.js';
import type { Storage, TrialsAt } from '../storage/index.js';
import { studiesJson, studyShowJson } from '../tune/index.js';
import { realFolder, runFile } from './files.js';
import { acceptsHost, hostOf } from './hosts.js';
import type { Hub } from './hub.js';
import { pageOfRuns, QueryError, runQuery, trialsQuery } from './paging.js';
import { findRun, findRuns, runJson, runList } from './runs.js';
import { decodedPath, pageAddress, webFile } from './static.js';
import { studyRows } from './study-list.js';
import { curvesJson, runFolderOf, trialJson } from './trial.js';

export interface DashboardSource {
  storage: Storage;
  /**
   * The trials of a study for the study pages (the storage's, or a lighter read of the same records), with storage's
   * clock at the read (TrialsAt.now).
   */
  trials: (study: string) => Promise<TrialsAt>;
  /** Called when the studies were listed: `trials`, where it keeps what it read, drops the studies deleted since. */
  listed?: () => void;
  /** The storage URL as messages show it (no password). */
  where: string;
  /** The folder of run folders (--runs), or null. */
  runs: string | null;
  hub: Hub;
  /**
   * Why the storage cannot be read now besides the last poll's error (Hub.lastError), or null: a SQLite file removed
   * from its path and not replaced, or replaced by one that cannot be read (serve.ts, Readers).
   */
  storageError?: () => string | null;
  /** The built front end (dist/web), or null when it was not built. */
  web: string | null;
  /** When an event stream whose client reads too slowly is ended; default STREAM_LIMITS. */
  streamLimits?: StreamLimits;
  /**
   * The names the pages may be reached by besides IP addresses and localhost (hosts.ts: a DNS-rebinding page names
   * another); `.name`: that name and every name under it.
   */
  hosts: readonly string[];
}

/** Served files are never run as pages: an SVG of a run folder cannot run a script. */
const FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:";
const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; object-src 'none'";

const notFound = (c: Context, what: string) => c.json({ error: `${what}: not found` }, 404);

function guards(app: Hono, s: DashboardSource): void {
  app.use('*', async (c, next) => {
    // on every answer, the refusals below too (a 403 that quotes the request's Host header went without them)
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      c.header('Allow', 'GET, HEAD');
      return c.json({ error: `${c.req.method} ${c.req.path}: the dashboard only reads (GET, HEAD)` }, 405);
    }
    const host = c.req.header('host') ?? '';
    if (!acceptsHost(host, s.hosts)) {
      const names = ['IP addresses', 'localhost', ...s.hosts].join(', ');
      return c.json(
        {
          error:
            `Host "${hostOf(host)}" is no name of this dashboard (it answers to ${names}); if the name is yours, ` +
            `start the dashboard with --allowed-host ${hostOf(host) || 'NAME'}`,
        },
        403,
      );
    }
    await next();
  });
  app.onError((e, c) => {
    if (e instanceof QueryError)
      return c.json({ error: e.message, param: e.param, expected: e.expected, received: e.received }, 400);
    // a read of a SQLite file removed with its -wal and -shm fails as "disk I/O error": the page says why
    const gone = s.storageError?.();
    return c.json({ error: gone ? `${gone} (${e.message})` : e.message }, 500);
  });
}

/** The storage as the study JSON reads it, with the trials from `s.trials`. */
const reader = (s: DashboardSource) => ({
  listStudies: async () => {
    const all = await s.storage.listStudies();
    s.listed?.();
    return all;
  },
  getStudy: (name: string) => s.storage.getStudy(name),
  getTrials: async (name: string) => (await s.trials(name)).trials,
  getTrialsAt: s.trials,
});

/** A trial number as the API writes it: decimal digits, no sign, exponent, leading zero or space (`1e1` names none). */
const trialNumber = (text: string): number | null => (/^(0|[1-9]\d{0,15})$/.test(text) ? Number(text) : null);

/**
 * The trials of `?trials=` and those they changed without an event of their own: a failed trial whose rerun is one
 * of them (retried_as is written when the rerun is made).
 */
const changed =
  (only: ReadonlySet<number>) =>
  (t: { number: number; retried_as: number | null }): boolean =>
    only.has(t.number) || (t.retried_as !== null && only.has(t.retried_as));

function studyRoutes(app: Hono, s: DashboardSource): void {
  // No study name holds a NUL (PostgreSQL cannot even compare one): such a request is for no study, not a server error.
  app.use('/api/studies/:name/*', async (c, next) =>
    c.req.param('name').includes('\0') ? notFound(c, 'a study whose name holds a NUL character') : next(),
  );
  app.use('/api/studies/:name', async (c, next) =>
    c.req.param('name').includes('\0') ? notFound(c, 'a study whose name holds a NUL character') : next(),
  );
  // the study JSON reads through `reader`, not the storage: the folders it names are read beside the storage's file
  app.get('/api/studies', async (c) => c.json(await studiesJson(reader(s), studyHome(s.storage))));
  app.get('/api/study-list', async (c) => c.json(studyRows(await studiesJson(reader(s), studyHome(s.storage)))));
  app.get('/api/studies/:name', async (c) => {
    const name = c.req.param('name');
    const only = trialsQuery(c.req.queries());
    if (!(await s.storage.getStudy(name))) return notFound(c, `study "${name}"`);
    const json = (await studyShowJson(reader(s), name, s.where, studyHome(s.storage))).json;
    return c.json(only ? { ...json, trials: json.trials.filter(changed(only)) } : json);
  });
  app.get('/api/studies/:name/curves', async (c) => {
    const j = await curvesJson(reader(s), c.req.param('name'), trialsQuery(c.req.queries()));
    return j ? c.json(j) : notFound(c, `study "${c.req.param('name')}"`);
  });
  app.get('/api/studies/:name/trials/:n', async (c) => {
    const n = trialNumber(c.req.param('n'));
    const j = n === null ? null : await trialJson(s.storage, c.req.param('name'), n);
    return j ? c.json(j) : notFound(c, `trial ${c.req.param('n')} of study "${c.req.param('name')}"`);
  });
  app.get('/api/studies/:name/trials/:n/files/:file', async (c) => {
    const name = c.req.param('name');
    const t = (await s.storage.getStudy(name))
      ? (await s.storage.getTrials(name)).find((x) => String(x.number) === c.req.param('n'))
      : undefined;
    const dir = t ? await runFolderOf(t, studyHome(s.storage)) : null;
    const f = dir ? await runFile(dir, c.req.param('file')) : null;
    return f ? fileResponse(c, f) : notFound(c, c.req.param('file'));
  });
}

function fileResponse(c: Context, f: { body: Buffer; type: string }): Response {
  c.header('Content-Security-Policy', FILE_CSP);
  c.header('Content-Type', f.type);
  return c.body(new Uint8Array(f.body));
}

function runRoutes(app: Hono, s: DashboardSource): void {
  // a page of the list with limit, offset, order or q (the Runs page asks for pages); without them, the whole list
  app.get('/api/runs', async (c) => {
    const q = runQuery(c.req.queries());
    const all = await findRuns(s.runs);
    return c.json(q ? await pageOfRuns(all, q) : await runList(all));
  });
  // one run by its id, found without walking the others (findRun)
  const runOf = (id: string) => findRun(s.runs, id);
  app.get('/api/runs/:id', async (c) => {
    const r = await runOf(c.req.param('id'));
    return r ? c.json(await runJson(r)) : notFound(c, `run "${c.req.param('id')}"`);
  });
  app.get('/api/runs/:id/files/:file', async (c) => {
    const r = await runOf(c.req.param('id'));
    const f = r ? await runFile(r.path, c.req.param('file')) : null;
    return f ? fileResponse(c, f) : notFound(c, c.req.param('file'));
  });
}

/**
 * When an event stream is ended (a page's EventSource connects again and the page reads what it shows anew): its
 * client took no byte for `stallMs` while events wait (a write waits for the socket to drain; a client that keeps its
 * connection and stops reading), or more than `maxQueuedBytes` of events wait for it (one that reads slower than they
 * come). A client that stopped reading held every event until it left: with a tune reporting 10,000 events of 1 KB a
 * second, the heap grew by 10 MB a second. The cut was 10,000 waiting events, which one poll brings when 10,000 trials
 * are enqueued at once: a client that read everything was cut before its first byte of them, every time. 8 MiB is
 * about 60,000 trials created in one poll (~140 bytes an event); 5 s without a byte taken is no reading client's
 * pace (a slow link drains the socket's buffer in well under a second). The 5 s are counted on a timer, so the time a
 * long storage poll held the server (a 30,000-trial SQLite poll took about 1 s) is not taken for the client's.
 */
export interface StreamLimits {
  stallMs: number;
  maxQueuedBytes: number;
}

export const STREAM_LIMITS: StreamLimits = { stallMs: 5000, maxQueuedBytes: 8 * 1024 * 1024 };

/** The ticks of the stall clock in `stallMs`: a client is cut after more than this many with one write waiting. */
const STALL_TICKS = 5;

/**
 * Counts the ticks of a timer during which one write waited for the client. A server busy in a long poll
 * (better-sqlite3 reads block the event loop) lets the timer fire once, late, so the seconds the server could not
 * write count as one tick, not as the client's not reading.
 */
class StallClock {
  private waiting = false;
  private ticks = 0;
  private readonly timer?: NodeJS.Timeout;
  constructor(stallMs: number) {
    if (Number.isFinite(stallMs))
      this.timer = setInterval(() => {
        this.ticks = this.waiting ? this.ticks + 1 : 0;
      }, stallMs / STALL_TICKS).unref();
  }
  get stalled(): boolean {
    return this.ticks > STALL_TICKS;
  }
  async writing(write: Promise<void>): Promise<void> {
    this.waiting = true;
    await write;
    this.waiting = false;
    this.ticks = 0;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

function eventRoute(app: Hono, s: DashboardSource): void {
  const limits = s.streamLimits ?? STREAM_LIMITS;
  app.get('/api/events', (c) => {
    if (c.req.method === 'HEAD') return c.body(null, 200, { 'Content-Type': 'text/event-stream' });
    return streamSSE(c, async (stream) => {
      let wake: () => void = () => {};
      const queue: { event: string; data: string }[] = [];
      let next = 0; // the first of `queue` not written yet
      let queued = 0; // the characters of the events that wait
      const clock = new StallClock(limits.stallMs);
      const off = s.hub.subscribe((events) => {
        for (const e of events) {
          const data = JSON.stringify(e);
          queue.push({ event: e.type, data });
          queued += data.length;
        }
        if (clock.stalled || queued > limits.maxQueuedBytes) {
          queue.length = next = queued = 0;
          stream.abort();
        }
        wake();
      });
      stream.onAbort(() => {
        clock.stop();
        off();
        wake();
      });
      await s.hub.sync(); // the feed knows what the page may have read: a study deleted from now on is told
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ at: new Date().toISOString() }) });
      while (!stream.aborted) {
        while (next < queue.length) {
          const m = queue[next++]!;
          queued -= m.data.length;
          await clock.writing(stream.writeSSE(m));
        }
        queue.length = next = 0;
        await new Promise<void>((r) => {
          // a comment now and then keeps proxies from closing an idle stream; the timer never holds the process
          const idle = setTimeout(r, 15000).unref();
          wake = () => {
            clearTimeout(idle);
            r();
          };
        });
        if (next >= queue.length && !stream.aborted) await stream.write(': idle\n\n');
      }
      clock.stop();
      off();
    });
  });
}

/**
 * The storage as /api/health names it: a SQLite file by its name, a PostgreSQL database by its server and name, not
 * the folders of this machine nor the user (anyone who reaches the pages reads the answer; a person knows which file
 * or database they started the dashboard on, and the command line printed it whole).
 */
export function storageName(where: string): string {
  if (/^postgres(ql)?:\/\//.test(where)) {
    try {
      const u = new URL(where);
      return `${u.protocol}//${u.host}${u.pathname}`;
    } catch {
      return where.replace(/^([a-z]+:\/\/)[^@/]*@/, '$1');
    }
  }
  return `sqlite:${basename(where.replace(/^sqlite:/, ''))}`;
}

function webRoutes(app: Hono, s: DashboardSource): void {
  // 503 while the storage cannot be read (`curl -f`, a monitor that reads the status alone), with the same JSON: the
  // dashboard's own pages read it then too (the runs folder, the error they show)
  app.get('/api/health', (c) => {
    const error = s.storageError?.() ?? s.hub.lastError;
    return c.json(
      {
        ok: error === null,
        error,
        storage: storageName(s.where),
        // the page asks only whether there is a folder of runs: its name, not where it lies
        runs: s.runs === null ? null : basename(resolve(s.runs)),
        // the real path of --runs: a run folder a study names (best_run_dir) under it is the run page of its rest; the
        // study answers name their run folders by such paths already (best_run_dir, a trial's run_dir)
        runs_path: s.runs ? realFolder(s.runs) : null,
      },
      error === null ? 200 : 503,
    );
  });
  app.get('/api/*', (c) => notFound(c, c.req.path));
  app.get('*', async (c) => {
    const path = decodedPath(c.req.path);
    if (path === null)
      return c.json({ error: `${c.req.path}: not an address (a % must begin a UTF-8 character's %XX)` }, 400);
    if (!s.web) return c.text('the dashboard front end is not built: run npm run build:web\n', 503);
    const f = await webFile(s.web, path === '/' ? 'index.html' : path);
    // a page's address without its # (/study/NAME): index.html there would ask for its assets under /study/
    if (!f && path !== '/') return c.redirect(pageAddress(c.req.url), 302);
    if (!f) return notFound(c, c.req.path);
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('Content-Type', f.type);
    return c.body(new Uint8Array(f.body));
  });
}

/** The dashboard's app over a storage, the run folders of --runs and the built front end. */
export function dashboardApp(s: DashboardSource): Hono {
  const app = new Hono();
  guards(app, s);
  studyRoutes(app, s);
  runRoutes(app, s);
  eventRoute(app, s);
  webRoutes(app, s);
  return app;
}
