// The dashboard's JSON API over a real study: each endpoint answers what the CLI prints (study ls/show --json),
// trials with their curves, diagnosis and files, run folders with their metrics; only GET and HEAD; no file outside
// a run folder however the path is spelled; HTML in names comes back as the same characters.

import assert from 'node:assert/strict';
import { cpSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { storageName } from '../../src/dashboard/app.js';
import { type Dashboard, startDashboard } from '../../src/dashboard/index.js';
import { SqliteStorage } from '../../src/storage/index.js';
import { runCli } from '../helpers/run-cli.js';
import { type Fixture, HTML_NAME, makeFixture } from './fixture.js';

let fx: Fixture;
let d: Dashboard;
const get = (path: string, init?: RequestInit) => fetch(new URL(path, d.url), init);
async function json<T = Record<string, unknown>>(path: string): Promise<T> {
  const r = await get(path);
  assert.equal(r.status, 200, `${path}: ${r.status}`);
  return (await r.json()) as T;
}

/** A request with the path exactly as written (fetch would resolve `..` segments before sending). */
function raw(path: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, path, method }, (res) => {
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

before(async () => {
  fx = await makeFixture('seqtune-dash-api-');
  // a secret beside the runs, a symlink inside a run folder that leads to it, and a symlinked run folder
  writeFileSync(join(fx.dir, 'secret.json'), '{"secret": true}');
  symlinkSync(join(fx.dir, 'secret.json'), join(fx.runs, 'grid2', 'trial-0', 'leak.json'));
  mkdirSync(join(fx.dir, 'outside-run'));
  writeFileSync(join(fx.dir, 'outside-run', 'metrics.json'), '{"secret": true}');
  symlinkSync(join(fx.dir, 'outside-run'), join(fx.runs, 'linked'));
  // an ensemble folder as auto keeps one: ensemble.json and its members' run folders (no metrics.json of its own)
  const ens = join(fx.runs, 'grid2', 'ensemble-after-2');
  mkdirSync(join(ens, 'member-1'), { recursive: true });
  cpSync(join(fx.runs, 'grid2', 'trial-1', 'metrics.json'), join(ens, 'member-1', 'metrics.json'));
  const score = (mse: number) => ({ mse, mae: mse, rmse: Math.sqrt(mse) });
  const test = {
    ensemble: { scaled: score(0.25), original: score(2.5) },
    members: [{ scaled: score(0.3), original: score(3) }],
    baselines: { scaled: { persistence: score(0.5) }, original: { persistence: score(5) } },
  };
  // the linear baseline as a member: its model/ only, not a run folder with a page of its own
  mkdirSync(join(ens, 'member-2', 'model'), { recursive: true });
  writeFileSync(join(ens, 'member-2', 'model', 'model.json'), '{}');
  const members = [
    { dir: 'member-1', trial: 1, params: {}, from: join(fx.runs, 'grid2', 'trial-1') },
    { dir: 'member-2', trial: null, params: { linear: { lookback: 8 } }, from: join(fx.runs, 'grid2', 'linear-0') },
  ];
  writeFileSync(
    join(ens, 'ensemble.json'),
    JSON.stringify({ format: 'seqtune-ensemble', method: 'mean', members, test }),
  );
  // trials 2 and 10 of a longer study: listed in trial order, not as text (trial-10 before trial-2)
  for (const n of [10, 2]) {
    mkdirSync(join(fx.runs, 'grid2', `trial-${n}`));
    cpSync(join(fx.runs, 'grid2', 'trial-1', 'metrics.json'), join(fx.runs, 'grid2', `trial-${n}`, 'metrics.json'));
  }
  d = await startDashboard({ storage: fx.url, runs: fx.runs, port: 0, web: null });
});
after(async () => {
  await d?.close();
});

test('GET /api/studies and /api/studies/NAME answer exactly what study ls --json and study show --json print', async () => {
  const ls = await runCli(['study', 'ls', '--storage', fx.url, '--json']);
  assert.deepEqual(await json<unknown>('/api/studies'), JSON.parse(ls.out));
  const show = await runCli(['study', 'show', 'grid2', '--storage', fx.url, '--json']);
  const j = await json('/api/studies/grid2');
  assert.deepEqual(j, JSON.parse(show.out));
  assert.equal((j.trials as unknown[]).length, 2);
  const missing = await get('/api/studies/nope');
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /study "nope": not found/);
});

test('GET /api/study-list: each study of study ls --json with its trials counted by state, not listed', async () => {
  const ls = JSON.parse((await runCli(['study', 'ls', '--storage', fx.url, '--json'])).out);
  const grid = ls.find((s: { name: string }) => s.name === 'grid2');
  const list = await json<Record<string, unknown>[]>('/api/study-list');
  assert.deepEqual(
    list.map((s) => s.name),
    ls.map((s: { name: string }) => s.name),
  );
  const last = grid.trials
    .map((t: { finished: string }) => t.finished)
    .sort()
    .at(-1);
  assert.deepEqual(
    list.find((s) => s.name === 'grid2'),
    {
      name: 'grid2',
      strategy: 'grid',
      finished: grid.finished,
      trials: 2,
      states: { complete: 2 },
      silent: 0,
      best: { number: grid.best.number, value: grid.best.value },
      last_activity: last,
      // study ls --json's estimate of the time its run has left, where it has one
      time_left_s: grid.time_left_s ?? null,
    },
  );
});

test('a study named with HTML characters comes back as those characters, in every field', async () => {
  const names = (await json<{ name: string }[]>('/api/studies')).map((s) => s.name);
  assert.ok(names.includes(HTML_NAME));
  const j = await json(`/api/studies/${encodeURIComponent(HTML_NAME)}`);
  assert.equal(j.name, HTML_NAME);
  const t = await json(`/api/studies/${encodeURIComponent(HTML_NAME)}/trials/0`);
  assert.deepEqual(t.params, { '<b>param</b>': '<script>x</script>' });
  assert.deepEqual(t.config_diff, ['<b>param</b>: (study config) -> "<script>x</script>"'], 'a study without a config');
  assert.equal(t.why, '<i>why</i>');
  const r = await get('/api/studies');
  assert.match(r.headers.get('content-type')!, /^application\/json/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});

test('GET /api/studies/NAME/trials/N: curve per epoch, history, diagnosis, metrics, files, config diff', async () => {
  const t = await json('/api/studies/grid2/trials/1');
  assert.equal(t.state, 'complete');
  assert.equal((t.intermediate as number[]).length, 3);
  assert.equal((t.history as { val_loss: number[] }).val_loss.length, 3);
  assert.equal(typeof (t.diagnosis as { pattern: string }).pattern, 'string');
  assert.ok((t.diagnosis as { advice: unknown[] }).advice.length > 0);
  assert.ok((t.metrics as { test: unknown }).test);
  assert.ok((t.files as string[]).includes('loss.png'));
  assert.deepEqual(t.config_diff, ['model.layers[0].gru.units: 4 -> 5']);
  const png = await get('/api/studies/grid2/trials/1/files/loss.png');
  assert.equal(png.status, 200);
  assert.equal(png.headers.get('content-type'), 'image/png');
  assert.deepEqual([...new Uint8Array(await png.arrayBuffer()).slice(1, 4)], [0x50, 0x4e, 0x47]);
  const svg = await get('/api/studies/grid2/trials/1/files/forecast.svg');
  assert.match(svg.headers.get('content-security-policy')!, /default-src 'none'/, 'a served SVG runs no script');
  assert.equal((await get('/api/studies/grid2/trials/9')).status, 404);
  assert.equal((await get('/api/studies/grid2/trials/x')).status, 404);
  // Only the number as the API writes it names a trial (1e0, 01, 0x1, a space and -0 named trials 1 and 0).
  for (const n of ['1e0', '01', '0x1', '%201', '-0', '1.0'])
    assert.equal((await get(`/api/studies/grid2/trials/${n}`)).status, 404, n);
  // A name with a NUL is no study's (PostgreSQL storage answered 500 with its encoding error).
  for (const p of ['/api/studies/%00x', '/api/studies/grid2%00/curves', '/api/studies/grid2%00/trials/1'])
    assert.equal((await get(p)).status, 404, p);
});

test('GET /api/studies/NAME/curves: every trial objective per epoch, as base64 float32', async () => {
  const c = await json<{ strategy: string; trials: { epochs: number }[]; values: string }>('/api/studies/grid2/curves');
  assert.equal(c.strategy, 'grid');
  assert.deepEqual(
    c.trials.map((t) => t.epochs),
    [3, 3],
  );
  const b = Buffer.from(c.values, 'base64');
  const values = [...new Float32Array(b.buffer, b.byteOffset, b.length / 4)];
  const t1 = await json<{ intermediate: number[] }>('/api/studies/grid2/trials/1');
  assert.deepEqual(values.slice(3), t1.intermediate.map(Math.fround), 'trial 1 follows trial 0, as float32');
});

test("a running trial may be dead after 3 of its own owner's heartbeats when they are slower than the study's", async () => {
  // the study beats every second (stale after 3 s); trial 0's process every 8 s (it records 24 s), trial 1's every
  // 0.5 s (1.5 s: the study's 3 s holds, as storage's sweep reads it), trial 2 records none (ask/tell, older files)
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('beats', { strategy: 'random', config: { tune: { heartbeat: '1s' } } });
    for (const staleAfterS of [24, 1.5, undefined])
      await st.createTrial(
        'beats',
        { n: staleAfterS ?? 0 },
        {},
        {
          owner: { host: 'elsewhere', pid: 1, worker: 0, ...(staleAfterS !== undefined ? { staleAfterS } : {}) },
        },
      );
  } finally {
    await st.close();
  }
  const c = await json<{ stale_after_s: number; trials: { stale_after_s: number }[] }>('/api/studies/beats/curves');
  assert.equal(c.stale_after_s, 3, "the study's own");
  assert.deepEqual(
    c.trials.map((t) => t.stale_after_s),
    [24, 3, 3],
  );
  const trials = await Promise.all([0, 1, 2].map((n) => json(`/api/studies/beats/trials/${n}`)));
  assert.deepEqual(
    trials.map((t) => t.stale_after_s),
    [24, 3, 3],
  );
});

test('GET /api/runs and /api/runs/ID: the run folders under --runs with metrics, history and diagnosis', async () => {
  const runs = await json<{ id: string; metrics: unknown; diagnosis: unknown }[]>('/api/runs');
  assert.deepEqual(
    runs.map((r) => r.id),
    [
      'grid2/ensemble-after-2',
      'grid2/ensemble-after-2/member-1',
      'grid2/trial-0',
      'grid2/trial-1',
      'grid2/trial-2',
      'grid2/trial-10',
    ],
    'a symlinked folder is not a run folder of --runs; an ensemble folder is, and so are its members; numbers in order',
  );
  const e = await json<{ metrics: { test: { scaled: Record<string, { mse: number }> } }; ensemble: unknown }>(
    `/api/runs/${encodeURIComponent('grid2/ensemble-after-2')}`,
  );
  assert.deepEqual(
    Object.fromEntries(Object.entries(e.metrics.test.scaled).map(([k, v]) => [k, v.mse])),
    { model: 0.25, 'member-1': 0.3, persistence: 0.5 },
    "the ensemble's test scores, read from ensemble.json",
  );
  assert.deepEqual(
    e.ensemble,
    {
      method: 'mean',
      kept: null,
      members: [
        { dir: 'member-1', trial: 1, run: true },
        { dir: 'member-2', trial: null, run: false },
      ],
    },
    'a member is a run folder with a page of its own, or (the linear baseline) is not',
  );
  assert.ok(runs[2]!.metrics);
  const r = await json(`/api/runs/${encodeURIComponent('grid2/trial-0')}`);
  assert.equal((r.history as { loss: number[] }).loss.length, 3);
  const whole = r.diagnosis as { pattern: string; advice: unknown[]; evidence: unknown };
  assert.ok(whole.pattern && whole.advice.length && whole.evidence, 'the run itself: its whole diagnosis');
  // a list entry: the pattern the Runs page shows (the whole diagnosis made a demo trial's entry 6.7 KB, not 1.7)
  const listed = runs.find((x) => x.id === 'grid2/trial-0')!;
  assert.deepEqual(listed.diagnosis, { pattern: whole.pattern });
  assert.equal(runs[0]!.diagnosis, null, 'an ensemble: no diagnosis.json');
  const page = await json<{ runs: typeof runs }>('/api/runs?q=grid2/trial-0');
  assert.deepEqual(page.runs[0]!.diagnosis, { pattern: whole.pattern }, 'a page of the list: the same');
  const m = r.metrics as { test: { scaled: Record<string, { mse: number }> } };
  assert.ok(m.test.scaled.model!.mse > 0 && m.test.scaled.persistence!.mse > 0, 'model and baselines');
  const f = await get(`/api/runs/${encodeURIComponent('grid2/trial-0')}/files/history.json`);
  assert.equal(f.status, 200);
  assert.equal((await get('/api/runs/nope')).status, 404);
});

type RunsPage = {
  total: number;
  offset: number;
  limit: number;
  order: string;
  q: string;
  next_offset: number | null;
  runs: { id: string; metrics: unknown }[];
};

test('GET /api/runs?limit=&offset=&order=&q=: a page of the run folders, how many match, where the next starts', async () => {
  const all = await json<{ id: string }[]>('/api/runs');
  const ids = all.map((r) => r.id);
  const first = await json<RunsPage>('/api/runs?limit=2');
  assert.deepEqual(
    { ...first, runs: first.runs.map((r) => r.id) },
    { total: 6, offset: 0, limit: 2, order: 'id', q: '', next_offset: 2, runs: ids.slice(0, 2) },
  );
  assert.deepEqual(first.runs, all.slice(0, 2), "a page's runs are the whole list's entries");
  const paged: string[] = [];
  for (let at: number | null = 0; at !== null; ) {
    const p: RunsPage = await json<RunsPage>(`/api/runs?limit=4&offset=${at}`);
    paged.push(...p.runs.map((r) => r.id));
    at = p.next_offset;
  }
  assert.deepEqual(paged, ids, 'page after page, every run once, in the order of the whole list');
  const past = await json<RunsPage>('/api/runs?offset=100');
  assert.deepEqual([past.total, past.limit, past.runs, past.next_offset], [6, 50, [], null], 'past the end: no run');
  const q = await json<RunsPage>('/api/runs?q=TRIAL-1');
  assert.deepEqual([q.total, q.runs.map((r) => r.id)], [2, ['grid2/trial-1', 'grid2/trial-10']], 'the id, any case');
  // newest first: by each folder's time (a folder renamed into place, or a file added to it)
  const t0 = Date.now() / 1000 - 3600;
  const times: Record<string, number> = { 'grid2/trial-10': 5, 'grid2/trial-0': 4, 'grid2/ensemble-after-2': 3 };
  for (const [i, id] of ids.entries()) utimesSync(join(fx.runs, id), t0, t0 + (times[id] ?? -i));
  const newest = await json<RunsPage>('/api/runs?order=newest&limit=3');
  assert.deepEqual(
    newest.runs.map((r) => r.id),
    ['grid2/trial-10', 'grid2/trial-0', 'grid2/ensemble-after-2'],
  );
  const rest = await json<RunsPage>('/api/runs?order=newest&limit=3&offset=3&q=grid2');
  assert.deepEqual(
    rest.runs.map((r) => r.id),
    ['grid2/ensemble-after-2/member-1', 'grid2/trial-1', 'grid2/trial-2'],
  );
});

test('GET /api/runs with a bad parameter answers 400 naming it, what was expected and what came', async () => {
  const cases: [string, string, string, string][] = [
    ['limit=abc', 'limit', 'an integer from 1 to 1000', 'abc'],
    ['limit=0', 'limit', 'an integer from 1 to 1000', '0'],
    ['limit=1001', 'limit', 'an integer from 1 to 1000', '1001'],
    ['limit=2.5', 'limit', 'an integer from 1 to 1000', '2.5'],
    ['limit=', 'limit', 'an integer from 1 to 1000', ''],
    ['offset=-1', 'offset', 'an integer, 0 or more', '-1'],
    ['offset=1e3', 'offset', 'an integer, 0 or more', '1e3'],
    ['order=best', 'order', 'id or newest', 'best'],
    ['limit=1&limit=2', 'limit', 'one value', '1, 2'],
  ];
  for (const [query, param, expected, received] of cases) {
    const r = await get(`/api/runs?${query}`);
    assert.equal(r.status, 400, query);
    assert.deepEqual(
      await r.json(),
      { error: `${param}: expected ${expected}, received ${JSON.stringify(received)}`, param, expected, received },
      query,
    );
  }
  const r = await get('/api/runs?page=2');
  assert.equal(r.status, 400);
  assert.deepEqual(await r.json(), {
    error: 'page: not a parameter of /api/runs (it takes limit, offset, order, q)',
    param: 'page',
    expected: 'one of limit, offset, order, q',
    received: 'page',
  });
});

test('GET /api/runs reads a run folder again only when it changed: a file replaced whole, a folder removed', async () => {
  const { renameSync, rmSync } = await import('node:fs');
  const run = join(fx.runs, 'grid2', 'trial-99');
  mkdirSync(run);
  const metrics = (mse: number) => JSON.stringify({ test: { scaled: { model: { mse } } } });
  writeFileSync(join(run, 'metrics.json'), metrics(0.5));
  type Listed = { id: string; metrics: { test: { scaled: { model: { mse: number } } } } };
  const mseOf = async () =>
    (await json<Listed[]>('/api/runs')).find((r) => r.id === 'grid2/trial-99')?.metrics.test.scaled.model.mse;
  assert.equal(await mseOf(), 0.5);
  await new Promise((r) => setTimeout(r, 20));
  writeFileSync(join(run, '.m.tmp'), metrics(0.25));
  renameSync(join(run, '.m.tmp'), join(run, 'metrics.json')); // as seqtune replaces a file: the folder's time moves
  assert.equal(await mseOf(), 0.25);
  rmSync(run, { recursive: true });
  assert.equal(await mseOf(), undefined);
});

test('only GET and HEAD: every other method answers 405 with Allow', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    for (const path of ['/api/studies', '/api/studies/grid2', '/api/events', '/']) {
      const r = await get(path, { method });
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), 'GET, HEAD');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff', `${method} ${path}: a refusal too`);
    }
  const head = await get('/api/studies', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal((await get('/api/events', { method: 'HEAD' })).status, 200);
});

test('no file outside a run folder: dot segments, absolute paths, encoded traversal, symlinks answer 404', async () => {
  const run = `/api/runs/${encodeURIComponent('grid2/trial-0')}/files`;
  const trial = '/api/studies/grid2/trials/0/files';
  const attempts = [
    `${run}/..%2F..%2F..%2Fsecret.json`,
    `${run}/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret.json`,
    `${run}/%252e%252e%252fsecret.json`,
    `${run}/..%5C..%5Csecret.json`,
    `${run}/%2Fetc%2Fpasswd`,
    `${run}/leak.json`,
    `${run}/model`,
    `${run}/.`,
    `${trial}/..%2F..%2F..%2Fsecret.json`,
    `${trial}/leak.json`,
    `${trial}/%2F${encodeURIComponent(fx.dir)}%2Fsecret.json`,
    `/api/runs/${encodeURIComponent('../secret.json')}`,
    `/api/runs/${encodeURIComponent('..')}/files/secret.json`,
    `/api/runs/${encodeURIComponent(join(fx.dir, 'outside-run'))}/files/metrics.json`,
    '/api/runs/linked/files/metrics.json',
    '/api/runs/grid2/../../secret.json',
    '/../../secret.json',
    '/..%2F..%2Fsecret.json',
    `/${encodeURIComponent(join(fx.dir, 'secret.json'))}`,
  ];
  for (const p of attempts) {
    const r = await raw(p);
    assert.ok(r.status === 404 || r.status === 503 || r.status === 400, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /"secret"/, p);
  }
});

test("a trial whose run_dir is no run folder: none of that folder's files listed or served", async () => {
  // anyone who writes the storage writes a trial's attributes: here the folder of the secret and the series
  const st = new SqliteStorage(fx.db);
  try {
    await st.createStudy('pointed', { strategy: 'random' });
    for (const run_dir of [fx.dir, '.', join(fx.runs, 'grid2', 'trial-0')]) {
      const t = await st.createTrial('pointed', {}, { run_dir });
      await st.finishTrial('pointed', t.number, 'complete', 1);
    }
  } finally {
    await st.close();
  }
  for (const n of [0, 1]) {
    const t = await json<{ files: string[]; metrics: unknown; run_dir: string }>(`/api/studies/pointed/trials/${n}`);
    assert.deepEqual([t.files, t.metrics], [[], null], `trial ${n}: nothing read of ${t.run_dir}`);
    for (const f of ['secret.json', 'series.csv']) {
      const r = await raw(`/api/studies/pointed/trials/${n}/files/${f}`);
      assert.equal(r.status, 404, `trial ${n}: ${f}`);
      assert.doesNotMatch(r.body, /"secret"/);
    }
  }
  const run = await json<{ files: string[] }>('/api/studies/pointed/trials/2');
  assert.ok(run.files.includes('history.json'), 'a run folder is read as before');
  assert.equal((await get('/api/studies/pointed/trials/2/files/history.json')).status, 200);
});

test('a page address with a % that begins no UTF-8 character answers 400, not 500; one without its # goes there', async () => {
  // the front end's files: index.html for every page path, assets by name (a second dashboard: the one above has none)
  const web = join(fx.dir, 'web');
  mkdirSync(join(web, 'assets'), { recursive: true });
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>seqtune</title>');
  writeFileSync(join(web, 'assets', 'a b%.js'), 'export {};');
  const w = await startDashboard({ storage: fx.url, runs: fx.runs, port: 0, web });
  try {
    const at = (path: string) => fetch(new URL(path, w.url));
    for (const p of ['/%', '/%E0%A4%A', '/assets/%zz.js', '/study/%C3']) {
      const r = await at(p);
      assert.equal(r.status, 400, p);
      assert.deepEqual(await r.json(), { error: `${p}: not an address (a % must begin a UTF-8 character's %XX)` }, p);
    }
    assert.equal(await (await at('/assets/a%20b%25.js')).text(), 'export {};', 'an encoded name is still found');
    assert.match(await (await at('/runs%2Fx')).text(), /<title>seqtune/, 'a page path: index.html, after its #');
    // a page's address without its #: sent to the # address, relative to the dashboard's root wherever that is
    // (index.html served at /study/NAME asked for /study/assets/..., got index.html, and the page stayed blank)
    const moved = async (path: string) => {
      const r = await fetch(`${new URL(w.url).origin}${path}`, { redirect: 'manual' });
      return [r.status, r.headers.get('location')];
    };
    assert.deepEqual(await moved('/study/a%20b%2Fc'), [302, '../#/study/a%20b%2Fc']);
    assert.deepEqual(await moved('/runs?q=x&offset=50'), [302, './#/runs?q=x&offset=50']);
    assert.deepEqual(await moved('/study/s/trial/3/'), [302, '../../../../#/study/s/trial/3/']);
    assert.deepEqual(await moved('//evil.example/x'), [302, '../../#//evil.example/x'], 'never another site');
    assert.equal((await fetch(new URL('/', w.url), { redirect: 'manual' })).status, 200);
  } finally {
    await w.close();
  }
});

test('requests naming another host are refused (a DNS-rebinding page cannot read the API)', async () => {
  const host = 'evil.example';
  const r = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: d.port, path: '/api/studies', headers: { host } });
    req.on('response', (res) => {
      res.resume();
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(r.statusCode, 403);
  // the refusal quotes the Host header: never sniffed as something else
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
});

test("/api/health names the storage and the runs without this machine's folders or the database's user", () => {
  assert.equal(storageName('sqlite:/home/ana/work/studies.db'), 'sqlite:studies.db');
  assert.equal(storageName('../studies.db'), 'sqlite:studies.db', 'a bare path');
  assert.equal(storageName('postgres://tuner@db.lan:5432/studies?sslmode=require'), 'postgres://db.lan:5432/studies');
  assert.equal(storageName('postgresql://tuner@db.lan/studies'), 'postgresql://db.lan/studies');
  assert.equal(storageName('postgres://tuner@db lan/x'), 'postgres://db lan/x', 'no URL: the user still goes');
});

test('a port in use: one line, exit 2; a storage file that does not exist: exit 2 and never created', async () => {
  const r = await runCli(['dashboard', '--storage', fx.url, '--port', String(d.port)]);
  assert.equal(r.code, 2);
  assert.match(r.err, new RegExp(`^seqtune: --port ${d.port}: 127\\.0\\.0\\.1:${d.port} is in use .*\\n$`));
  const none = join(fx.dir, 'none.db');
  const n = await runCli(['dashboard', '--storage', `sqlite:${none}`, '--port', '0']);
  assert.equal(n.code, 2);
  assert.match(n.err, /none\.db: no such study storage/);
  const { existsSync } = await import('node:fs');
  assert.equal(existsSync(none), false);
  const bad = await runCli(['dashboard', '--storage', fx.url, '--port', 'http']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^seqtune: --port: expected a port number 0-65535, received "http"\n$/);
  const runs = await runCli(['dashboard', '--storage', fx.url, '--runs', join(fx.dir, 'nope'), '--port', '0']);
  assert.match(runs.err, /--runs \S+nope: no such folder/);
  // a file given as --runs is named as a file (it was 'no such folder')
  const file = join(fx.dir, 'a-file');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(file, 'not a folder\n');
  const onFile = await runCli(['dashboard', '--storage', fx.url, '--runs', file, '--port', '0']);
  assert.deepEqual(
    [onFile.code, onFile.err],
    [2, `seqtune: --runs ${file}: expected a folder of run folders, found a file\n`],
  );
});

test('seqtune tune prints the dashboard command for its storage; --host elsewhere warns that there is no login', async () => {
  assert.match(fx.tuneOut, /^watch it live in the browser: seqtune dashboard --storage sqlite:\S+studies\.db$/m);
  const h = await json<{ ok: boolean; storage: string; runs: string; runs_path: string }>('/api/health');
  assert.deepEqual([h.ok, h.storage, h.runs], [true, 'sqlite:studies.db', 'runs']);
  // the port is taken on 127.0.0.1: it listens nowhere, so no warning, only the error (the warning: the test below)
  const r = await runCli(['dashboard', '--storage', fx.url, '--host', '0.0.0.0', '--port', String(d.port)]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^seqtune: --port \d+: 0\.0\.0\.0:\d+ is in use/);
  // an address that is not this machine's is the --host's fault, not the port's
  const away = await runCli(['dashboard', '--storage', fx.url, '--host', '192.0.2.1', '--port', '0']);
  assert.equal(away.code, 2);
  assert.match(away.err, /^seqtune: --host 192\.0\.2\.1: is not an address of this machine \(EADDRNOTAVAIL\)\n$/);
});

test('Ctrl-C stops the dashboard with its storage closed: no -wal or -shm file left beside the SQLite file', async () => {
  const { copyFileSync, existsSync, readdirSync } = await import('node:fs');
  const { spawn } = await import('node:child_process');
  const own = join(fx.dir, 'own');
  mkdirSync(own);
  copyFileSync(fx.db, join(own, 'copy.db')); // a file no other connection holds (the fixture's dashboard holds fx.db)
  const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'dashboard',
      '--storage',
      `sqlite:${join(own, 'copy.db')}`,
      '--port',
      '0',
      '--host',
      '0.0.0.0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '',
    err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  try {
    // up to a minute to start: at a load average of 10 (other work on two cores) 30 s were too few, and the failed
    // test left the dashboard running, which kept the test runner from ever ending
    for (let i = 0; i < 600 && !out.includes('Ctrl-C stops'); i++) await new Promise((r) => setTimeout(r, 100));
    assert.match(out, /Ctrl-C stops/);
    // listening on every address: it says the pages have no login
    assert.match(err, /^seqtune dashboard: warning: listening on 0\.0\.0\.0: the pages have no login; /);
    // and which names a browser may use (any other is refused: hosts.test.ts)
    assert.match(
      out,
      /^seqtune dashboard: answers to IP addresses, localhost, \S.*; another name: --allowed-host NAME$/m,
    );
    assert.ok(existsSync(join(own, 'copy.db-wal')), 'the open storage has its WAL file');
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.deepEqual(readdirSync(own), ['copy.db']);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
});
