// Numbers and choices given on the command line are checked before any work starts: a bad value exits 2 with one
// line naming the option, what was expected and what was received. The config files here do not exist, so a
// value that got past the check would fail on reading the config instead (and a study never runs forever).

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCli } from '../helpers/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'seqtune-options-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, 'absent.yaml');
const ensemble = ['study', 'ensemble', 'some-study', '--storage', 'memory:'];

const positive = (option: string, received: string) => `${option}: expected a positive integer, received "${received}"`;
// each training thread is a worker with a replica of the model: 256 at most (MAX_THREADS), not one per sample
const threads = (received: string) => `--threads: expected an integer from 1 to 256, received "${received}"`;
const duration = (received: string) =>
  `--time-budget: expected a positive duration like 30m, 2h or 900s, received "${received}"`;

const cases: [string[], string][] = [
  [['tune', cfg, '--trials', 'abc'], positive('--trials', 'abc')],
  [['tune', cfg, '--trials', '0'], positive('--trials', '0')],
  [['tune', cfg, '--trials', '2.5'], positive('--trials', '2.5')],
  [['tune', cfg, '--trials', '-3'], positive('--trials', '-3')],
  [['tune', cfg, '--trials', ''], positive('--trials', '')],
  [['tune', cfg, '--jobs', 'many'], positive('--jobs', 'many')],
  [['tune', cfg, '--jobs', '0'], positive('--jobs', '0')],
  [['tune', cfg, '--time-budget', 'soon'], duration('soon')],
  [
    ['tune', cfg, '--time-budget', '0m'],
    `--time-budget: expected a positive duration like 30m, 2h or 900s, received "0m"`,
  ],
  [['train', cfg, '--threads', '0'], threads('0')],
  [['check', cfg, '--threads', 'all'], threads('all')],
  [['lr-find', cfg, '--threads', '1.5'], threads('1.5')],
  [['tune', cfg, '--threads', '-2'], threads('-2')],
  [['train', cfg, '--threads', '257'], threads('257')],
  [['tune', cfg, '--threads', '99999999999'], threads('99999999999')],
  [['lr-find', cfg, '--steps', '1'], '--steps: expected an integer >= 2, received "1"'],
  [['lr-find', cfg, '--steps', 'ten'], '--steps: expected an integer >= 2, received "ten"'],
  [[...ensemble, '--top', 'abc'], positive('--top', 'abc')],
  [[...ensemble, '--top', '0'], positive('--top', '0')],
  [[...ensemble, '--method', 'median'], '--method: expected mean, weighted, blend or stacked, received "median"'],
  [
    [...ensemble, '--trials', '3;7'],
    '--trials: expected trial numbers separated by commas, like 3,7,12, received "3;7"',
  ],
  [
    [...ensemble, '--trials', '3,-1'],
    '--trials: expected trial numbers separated by commas, like 3,7,12, received "3,-1"',
  ],
  [[...ensemble, '--trials', '4,2,4'], '--trials: trial 4 is listed twice (in "4,2,4")'],
  [
    [...ensemble, '--trials', '1,2', '--top', '2'],
    '--top and --trials: give one (the best K trials, or the trials named)',
  ],
];

for (const [args, message] of cases) {
  test(`seqtune ${args.filter((a) => a !== cfg).join(' ')}: exit 2 with one line naming the option`, async () => {
    const r = await runCli(args);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.err, `seqtune: ${message}\n`);
    assert.equal(r.out, '');
  });
}

test('good values pass the checks (and the command goes on to read its config)', async () => {
  const r = await runCli(['tune', cfg, '--trials', '12', '--jobs', '2', '--time-budget', '90s']);
  assert.equal(r.code, 2);
  assert.match(r.err, /absent.yaml: cannot read the config file \(no such file\)/);
  assert.deepEqual(readdirSync(dir), []);
});
