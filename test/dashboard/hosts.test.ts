// The Host check (a DNS-rebinding page names its own host): wherever the dashboard listens, 127.0.0.1 or 0.0.0.0, it
// answers IP addresses, localhost, the --host name, this machine's name and each --allowed-host, and refuses any other
// name with 403 and a body that says how to allow it; an --allowed-host that names no host is exit 2.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { acceptsHost, allowedHost, hostNames } from '../../src/dashboard/hosts.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-dash-hosts-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const url = `sqlite:${join(dir, 'studies.db')}`;
let wide: Dashboard;

before(async () => {
  const st = new SqliteStorage(join(dir, 'studies.db'));
  await st.createStudy('one', { strategy: 'random' });
  await st.close();
  wide = await startDashboard({ storage: url, host: '0.0.0.0', port: 0, web: null, allowedHosts: ['.example.com'] });
});
after(() => wide?.close());

/** GET path of a dashboard on this machine with the Host header `host`: its status and body. */
function getAs(d: Dashboard, host: string, path = '/api/studies'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (b: Buffer) => {
        body += b.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test("bound to 0.0.0.0: a name that is not the dashboard's is refused (403) and the body says how to allow it", async () => {
  const r = await getAs(wide, `evil.example:${wide.port}`);
  assert.equal(r.status, 403, 'a DNS-rebinding page read the studies of a dashboard bound to 0.0.0.0');
  assert.deepEqual(JSON.parse(r.body), {
    error:
      'Host "evil.example" is no name of this dashboard (it answers to IP addresses, localhost, ' +
      `${wide.hosts.join(', ')}); if the name is yours, start the dashboard with --allowed-host evil.example`,
  });
  assert.equal((await getAs(wide, 'example.com.evil.example')).status, 403, 'a name that only begins like one');
});

test("bound to 0.0.0.0: IP addresses, localhost, this machine's name and the --allowed-host names are answered", async () => {
  const own = hostname().toLowerCase();
  const hosts = [
    `127.0.0.1:${wide.port}`,
    '192.168.1.5:8080', // an address a port mapping shows the browser: not this machine's own, still no name
    `[::1]:${wide.port}`,
    'localhost',
    'dash.localhost',
    own,
    `${own.split('.')[0]}:${wide.port}`,
    'example.com',
    'Dash.Example.COM.',
  ];
  for (const host of hosts) assert.equal((await getAs(wide, host)).status, 200, host);
  assert.deepEqual(wide.hosts, [...new Set([own, own.split('.')[0]!])].concat('.example.com'));
});

test('Host headers as the check reads them: port, brackets, case and a trailing dot', () => {
  const names = hostNames('tuner.lan', ['dash.example.org', '.corp.example']);
  assert.ok(names.includes('tuner.lan') && !names.includes('localhost'));
  for (const h of ['tuner.lan:8080', 'TUNER.LAN', 'tuner.lan.', '[fe80::1]:80', '10.0.0.1', 'a.b.corp.example'])
    assert.equal(acceptsHost(h, names), true, h);
  for (const h of ['evil.example', 'tuner.lan.evil.example', 'xcorp.example', 'dash.example.org.evil', '[evil]'])
    assert.equal(acceptsHost(h, names), false, h);
});

test('an --allowed-host that names no host, or every name under a top-level domain, is exit 2 saying so', async () => {
  assert.equal(allowedHost('Dash.Example.com.'), 'dash.example.com');
  assert.equal(allowedHost('[::1]'), '::1');
  const cases: [string, RegExp][] = [
    ['http://dash.example.com', /expected a host name such as dash\.example\.com, or \.example\.com for it/],
    ['dash.example.com:8080', /no scheme, port, path or wildcard/],
    ['*.example.com', /no scheme, port, path or wildcard/],
    ['.com', /would accept every name under \.com, which anyone may register/],
  ];
  for (const [value, why] of cases) {
    const r = await runCli(['dashboard', '--storage', url, '--port', '0', '--allowed-host', value]);
    assert.equal(r.code, 2, value);
    assert.match(r.err, new RegExp(`^seqtune: --allowed-host "?${value.replace(/[.*]/g, '\\$&')}"?: `), value);
    assert.match(r.err, why, value);
  }
});
