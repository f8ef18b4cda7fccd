// A private PostgreSQL for the tests (and for trying seqtune's PostgreSQL storage by hand): initdb in a temporary
// folder as the `postgres` user (initdb refuses root), the server listening on 127.0.0.1 on a free port with a
// random password, stopped and removed at the end.
//
//   node scripts/pg-cluster.mjs start      prints `URL DIR` (export SEQTUNE_TEST_PG=URL)
//   node scripts/pg-cluster.mjs stop DIR   stops that cluster and removes its folder
//
// run-tests.mjs imports startCluster/stopCluster to give a plain `npm test` a server when it can (root, with the
// Debian binaries under /usr/lib/postgresql/VERSION/bin); otherwise the tests that need one skip with a message.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest /usr/lib/postgresql/N/bin holding initdb and pg_ctl, or null. */
export function postgresBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

/** Why a private cluster cannot be started here, or null when it can. */
export function cannotStart() {
  if (!postgresBin()) return 'no PostgreSQL binaries under /usr/lib/postgresql/*/bin';
  if (process.getuid?.() !== 0) return 'not root (initdb runs as the postgres user through runuser)';
  if (spawnSync('id', ['-u', 'postgres']).status !== 0) return 'no postgres user';
  if (spawnSync('runuser', ['--help']).status !== 0) return 'no runuser';
  return null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const asPostgres = (bin, args, opts = {}) =>
  execFileSync('runuser', ['-u', 'postgres', '--', join(postgresBin(), bin), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });

/** Starts a cluster; resolves to {url, dir}. */
export async function startCluster() {
  const why = cannotStart();
  if (why) throw new Error(`pg-cluster: cannot start a private PostgreSQL: ${why}`);
  const dir = mkdtempSync(join(tmpdir(), 'seqtune-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`);
  chownSync(pwfile, uid, gid);
  const data = join(dir, 'data');
  try {
    // Local socket connections are trusted (pg_ctl's own); TCP connections need the password, so a wrong one is
    // refused as it would be on a real server.
    asPostgres('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    const port = await freePort();
    const o =
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off ` +
      '-c synchronous_commit=off -c full_page_writes=off';
    asPostgres('pg_ctl', ['-D', data, '-o', o, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
    return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg-cluster: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** Stops the cluster in `dir` (immediately: it holds only test data) and removes the folder. */
export function stopCluster(dir) {
  if (existsSync(join(dir, 'data', 'postmaster.pid')))
    spawnSync(
      'runuser',
      ['-u', 'postgres', '--', join(postgresBin(), 'pg_ctl'), '-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'],
      { stdio: 'ignore' },
    );
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, dir] = process.argv.slice(2);
  if (cmd === 'start') {
    try {
      const c = await startCluster();
      process.stdout.write(`${c.url} ${c.dir}\n`);
    } catch (e) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
  } else if (cmd === 'stop' && dir) stopCluster(dir);
  else {
    process.stderr.write('usage: node scripts/pg-cluster.mjs start | stop DIR\n');
    process.exit(2);
  }
}
