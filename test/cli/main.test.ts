// The program main.ts assembles: --version, and a --help for every command with a one-line description, an
// example and the required options marked.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Command } from 'commander';
import { program } from '../../src/cli/main.js';
import { runCli } from '../helpers/run-cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every command and subcommand of the program, as the words that name it (["study", "show"]). */
function commandPaths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => {
    const path = [...prefix, c.name()];
    return [path, ...commandPaths(c, path)];
  });
}

test('seqtune --version and -V print the version in package.json', async () => {
  for (const flag of ['--version', '-V']) {
    const r = await runCli([flag]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${pkg.version}\n`);
    assert.equal(r.err, '');
  }
});

test('every command has a --help with a one-line description and an example of itself', async () => {
  const paths = commandPaths(program());
  assert.deepEqual(paths.map((p) => p.join(' ')).sort(), [
    'check',
    'dashboard',
    'demo',
    'diagnose',
    'evaluate',
    'export',
    'init',
    'lr-find',
    'predict',
    'range',
    'study',
    'study create',
    'study delete',
    'study enqueue',
    'study ensemble',
    'study export',
    'study ls',
    'study show',
    'train',
    'tune',
    'worker',
  ]);
  for (const path of [[], ...paths]) {
    const r = await runCli([...path, '--help']);
    const name = ['seqtune', ...path].join(' ');
    assert.equal(r.code, 0, `${name}: ${r.err}`);
    const m = /^Usage: .*\n\n(.*)\n\n/.exec(r.out);
    assert.ok(m?.[1]?.trim(), `${name} --help has no description:\n${r.out}`);
    const ex = /\nExamples?:\n((?: {2}\$ .*\n)+)/.exec(r.out);
    assert.ok(ex, `${name} --help has no Example section:\n${r.out}`);
    for (const line of ex[1]!.trimEnd().split('\n'))
      assert.ok(line.startsWith(`  $ ${name}`), `${name} --help: the example "${line}" is not of ${name}`);
  }
});

test('predict --help marks --csv as required (and range --param); leaving it out is a usage error', async () => {
  const p = await runCli(['predict', '--help']);
  assert.match(p.out, /--csv <file> +.*\(required\)\n/);
  assert.doesNotMatch(p.out, /--out <file> +.*\(required\)/);
  assert.match((await runCli(['range', '--help'])).out, /--param <key> +.*\(required\)\n/);
  const r = await runCli(['predict', 'some-run']);
  assert.equal(r.code, 2);
  assert.equal(r.err, "seqtune: required option '--csv <file>' not specified\n");
});

test('tune --help says that a time budget alone sets no trial budget (the default 20 is for neither)', async () => {
  const t = (await runCli(['tune', '--help'])).out.replace(/\s+/g, ' ');
  assert.match(t, /--trials <n> trial budget \(default: tune\.trials, else 20; none where a time budget is given/);
});

test("--help states every default CONFIG.md names: dashboard's host and port, the study commands' storage", async () => {
  // the dashboard's --host showed no default, though it listens on 127.0.0.1 unless told otherwise
  const help = async (...words: string[]) => (await runCli([...words, '--help'])).out.replace(/\s+/g, ' ');
  const dashboard = await help('dashboard');
  assert.match(dashboard, /--host <host> .*\(default: "127\.0\.0\.1"\)/);
  assert.match(dashboard, /--port <port> .*\(default: "8080"\)/);
  for (const c of ['ls', 'show', 'ensemble', 'enqueue', 'export', 'delete'])
    assert.match(await help('study', c), /--storage <url> .*\(default: "sqlite:seqtune\.db"\)/, `study ${c}`);
  assert.match(await help('study', 'create'), /--storage <url> .*\(default: the config's tune\.storage, else seqtune/);
  assert.match(await help('worker'), /--jobs <n> .*\(default: tune\.jobs, else the cores \/ train\.threads\)/);
});

test('diagnose --help says what --plot writes for several paths: one picture each, numbered', async () => {
  // curves.svg of two paths was curves-1.svg and curves-2.svg, and neither the help nor the output said so
  const help = (await runCli(['diagnose', '--help'])).out.replace(/\s+/g, ' ');
  assert.match(help, /--plot <file> .*of several paths: FILE-1\.svg, FILE-2\.svg/);
});

test("commander's usage errors are one line of seqtune's form: an unknown command, its suggestion on the same line", async () => {
  const r = await runCli(['report']);
  assert.equal(r.code, 2);
  assert.equal(r.err, "seqtune: unknown command 'report' (did you mean export?)\n");
  assert.equal((await runCli(['study', 'shwo'])).err, "seqtune: unknown command 'shwo' (did you mean show?)\n");
  assert.equal((await runCli(['train', '--bogus', 'x.yaml'])).err, "seqtune: unknown option '--bogus'\n");
  // `help NOSUCH` printed the whole help, exit 2 (walk O)
  const h = await runCli(['help', 'trian']);
  assert.deepEqual([h.code, h.out, h.err], [2, '', "seqtune: unknown command 'trian' (did you mean train?)\n"]);
  assert.match((await runCli(['help', 'train'])).out, /^Usage: seqtune train \[options\] <config>/);
});
