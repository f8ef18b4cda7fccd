// seqtune dashboard [--storage URL] [--runs DIR] [--host 127.0.0.1] [--port 8080] [--allowed-host NAME]...: the web
// pages over the study storage and run folders, until Ctrl-C. Read-only: it never writes the storage, and never
// creates a SQLite file.

import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { DashboardError, isLoopback, startDashboard } from '../../dashboard/index.js';
import { redactUrl } from '../../storage/index.js';
import { type CliContext, onInterrupt, UsageError, withExamples } from '../context.js';

interface DashboardCliOptions {
  storage: string;
  runs?: string;
  host: string;
  port: string;
  allowedHost?: string[];
}

function parsePort(s: string): number {
  const n = Number(s);
  if (!/^\d+$/.test(s) || n > 65535) throw new UsageError(`--port: expected a port number 0-65535, received "${s}"`);
  return n;
}

/** --runs as given (it must be a folder), else runs/ here, else runs/ beside a SQLite file, else none. */
function runsFolder(o: DashboardCliOptions): string | null {
  const isDir = (d: string) => existsSync(d) && statSync(d).isDirectory();
  if (o.runs !== undefined) {
    // a file there was told 'no such folder'
    if (!isDir(o.runs))
      throw new UsageError(
        existsSync(o.runs)
          ? `--runs ${o.runs}: expected a folder of run folders, found a file`
          : `--runs ${o.runs}: no such folder`,
      );
    return o.runs;
  }
  const file = /^postgres(ql)?:\/\//.test(o.storage) ? null : o.storage.replace(/^sqlite:/, '');
  return ['runs', ...(file ? [join(dirname(file), 'runs')] : [])].find(isDir) ?? null;
}

/** What --help says of the Host check (src/dashboard/hosts.ts); wrapped by hand: commander prints it as it is. */
const HOST_HELP = [
  '',
  'Host names: wherever it listens, the dashboard answers requests made to an IP',
  "address, localhost, the --host name or this machine's name (hostname); a",
  'request made to any other name is refused (403), so that a web page cannot read',
  'the studies by pointing its own name at this machine (DNS rebinding). Any IP',
  "address, not only this machine's own: a page at an address is that address's",
  "own, and the address a browser uses may be a port mapping's or a tunnel's.",
  "Name the others you use (a DNS name, a proxy's) with --allowed-host.",
].join('\n');

export function addDashboard(parent: Command, { io, log }: CliContext): Command {
  const cmd = parent
    .command('dashboard')
    .option('--storage <url>', 'where the studies are stored', 'sqlite:seqtune.db')
    .option('--runs <dir>', 'the folder of run folders to show (default: runs/ here or beside the storage file)')
    .option(
      '--host <host>',
      'the address to listen on (other than 127.0.0.1: anyone who reaches it can read)',
      '127.0.0.1',
    )
    .option('--port <port>', 'the port to listen on (0: any free one)', '8080')
    .option(
      '--allowed-host <name>',
      "another name the pages may be reached by (a DNS name of this machine, a proxy's; .example.com: it and " +
        'every name under it); repeatable',
      (v: string, all: string[] = []) => [...all, v],
    )
    .description('web pages that show studies and runs, live, in the browser (read-only)')
    .action(async (o: DashboardCliOptions) => {
      const host = o.host;
      const port = parsePort(o.port);
      const runs = runsFolder(o);
      try {
        const d = await startDashboard({ storage: o.storage, runs, host, port, allowedHosts: o.allowedHost ?? [] });
        // said once it listens there (a --host it cannot listen on is an error, not a warning)
        if (!isLoopback(host))
          io.err(
            `seqtune dashboard: warning: listening on ${host}: the pages have no login; anyone who can reach this ` +
              'address can read every study and run folder\n',
          );
        // Ctrl-C closes the storage first: SQLite removes the -wal and -shm files its last connection leaves
        onInterrupt(null, () => d.close());
        const where = `studies in ${redactUrl(o.storage)}${runs ? `, runs in ${runs}` : ''}`;
        log(`seqtune dashboard: ${d.url} (${where}); Ctrl-C stops`);
        // beyond loopback, the names a browser may use: another is refused (403), as a DNS-rebinding page is
        if (!isLoopback(host) || o.allowedHost)
          log(
            `seqtune dashboard: answers to IP addresses, localhost, ${d.hosts.join(', ')}; ` +
              'another name: --allowed-host NAME',
          );
      } catch (e) {
        if (e instanceof DashboardError) throw new UsageError(e.message, { cause: e });
        throw e;
      }
      await new Promise(() => {}); // serves until Ctrl-C or SIGTERM
    });
  cmd.addHelpText('after', HOST_HELP);
  return withExamples(
    cmd,
    'seqtune dashboard',
    'seqtune dashboard --storage sqlite:studies.db --runs runs --port 8081',
    'seqtune dashboard --storage postgres://tuner:secret@db.lan:5432/studies --host 0.0.0.0',
    'seqtune dashboard --host 0.0.0.0 --allowed-host tuner.example.com',
  );
}
