// What a user's interruption or a read-only look must never leave behind: Ctrl-C, SIGTERM or SIGHUP during `train`
// removes the half-written run folder and exits 130 / 143 / 129; `study ls`, `study show` and `study ensemble` never
// create a database where none is.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { syntheticCsv } from '../../src/data/index.js';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-interrupt-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'series.csv'), syntheticCsv({ length: 2000, seed: 2 }));
writeFileSync(
  join(dir, 'long.yaml'),
  `name: long
data: {csv: series.csv, target: value, lookback: 24}
model: {layers: [{gru: {units: 32}}, {dense: {units: 1}}]}
train: {epochs: 10000, batch_size: 16}
`,
);

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129], // the terminal closed or the ssh connection dropped: it died at once, leaving the .partial folder
] as const) {
  test(`${signal} during seqtune train removes the unfinished run folder and exits ${code}`, async () => {
    const out = join(dir, `run-${signal}`);
    const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', cli, 'train', join(dir, 'long.yaml'), '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
    const partial = () => readdirSync(dir).filter((n) => n.startsWith(`run-${signal}.partial-`));
    for (let i = 0; i < 2400 && partial().length === 0 && child.exitCode === null; i++)
      await new Promise((res) => setTimeout(res, 25));
    assert.equal(partial().length, 1, `training started and writes its run folder (${err})`);
    child.kill(signal);
    assert.equal(await exited, code);
    assert.deepEqual(partial(), [], 'no half-written run folder is left');
    assert.ok(!existsSync(out), 'and no run folder either');
    assert.match(err, new RegExp(`seqtune: ${signal}: removed the unfinished .*run-${signal}\\.partial-`));
  });
}

test('Ctrl-C during seqtune demo also removes its temporary folder of config and series', async () => {
  const tmp = mkdtempSync(join(dir, 'tmp-')); // the child's os.tmpdir()
  const out = join(dir, 'demo-int');
  const cli = join(import.meta.dirname, '..', 'helpers', 'cli.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'demo', '--out', out], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, TMPDIR: tmp },
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (c) => res(c)));
  const demoDirs = () => readdirSync(tmp).filter((n) => n.startsWith('seqtune-demo-'));
  const started = () => readdirSync(dir).some((n) => n.startsWith('demo-int.partial-'));
  for (let i = 0; i < 2400 && !started() && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(started() && demoDirs().length === 1, 'the demo trains from its temporary folder');
  child.kill('SIGINT');
  assert.equal(await exited, 130);
  assert.deepEqual(demoDirs(), [], 'its temporary folder is removed (the signal handler exits before its finally)');
});

test('study ls, show and ensemble on a database that does not exist: exit 2, one line, no file created', async () => {
  const db = join(dir, 'nothing-here.db');
  for (const args of [
    ['study', 'ls', '--storage', db],
    ['study', 'show', 'x', '--storage', `sqlite:${db}`, '--json'],
    ['study', 'ensemble', 'x', '--storage', db, '--top', '2', '--out', join(dir, 'ens')],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, /^seqtune: \S*nothing-here\.db: no such study storage \(.*--storage\)\n$/);
    assert.ok(!existsSync(db), `${args.slice(0, 2).join(' ')} created no file`);
  }
});
