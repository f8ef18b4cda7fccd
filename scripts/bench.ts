// npm run bench [-- --peers] [-- --no-tfjs] [-- --only ID,...] [-- --json] [-- --epochs N] [-- --rounds R]
//   [-- --threads N]
// --threads N (default 1): seqtune trains each workload on N threads (fit's threads) and the PyTorch peer runs with
// torch.set_num_threads(N) (its --threads, and OMP/OpenBLAS threads N), so the comparison is like for like; the
// TF.js wasm peer has no threads and stays on one. --no-tfjs leaves the TF.js peer out (its rounds take most of a
// run's time; the goals of issue 17 are against PyTorch).
// Trains every standard workload with seqtune (one thread, one child process per workload so
// peak RSS is per workload) and, with --peers, the same workloads in PyTorch and TensorFlow.js
// (wasm backend) in the same run, then prints seconds per epoch and the ratios side by side.
// With R rounds (default 3 with --peers, else 1) each workload is timed R times per peer, the
// peers taking turns (seqtune, PyTorch, TF.js, seqtune, ...), and each peer's figure is its best
// round: a shared machine's speed drifts by up to 1.5x from minute to minute, and taking turns
// gives every peer the same chance at a quiet minute.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWorkloads } from '../bench/workloads.js';
import { processor } from './processor.js';

interface Row {
  peer: string;
  id: string;
  seconds_per_epoch: number;
  cpu_seconds_per_epoch?: number;
  peak_rss_mb?: number;
  final_loss?: number;
}

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const json = flag('--json'),
  peers = flag('--peers'),
  tfjs = !flag('--no-tfjs');
const only = new Set((value('--only') ?? '').split(',').filter(Boolean));
const epochs = value('--epochs') ?? '2';
const rounds = Number(value('--rounds') ?? (peers ? 3 : 1));
const threads = value('--threads') ?? '1';
const cpu = processor();
if (!/^[1-9]\d*$/.test(threads)) {
  console.error(`bench: --threads: expected a positive integer, received ${threads}`);
  process.exit(2);
}
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`bench: --rounds: expected a whole number of rounds >= 1, received ${value('--rounds')}`);
  process.exit(2);
}
const workloads = loadWorkloads().filter((w) => only.size === 0 || only.has(w.id));
if (only.size && workloads.length !== only.size) {
  console.error(
    `bench: --only: unknown workload id in ${[...only].join(',')}; known: ${loadWorkloads()
      .map((w) => w.id)
      .join(', ')}`,
  );
  process.exit(2);
}
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const torchScript = here('../../shared/bench/torch_peer.py');
const python = '/usr/bin/python3';

function runJsonLines(cmd: string, args: string[]): Row[] {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads },
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    console.error(`bench: ${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    return [];
  }
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Row);
}
const worker = (file: string, id: string, ep: string, n = '1') =>
  runJsonLines(process.execPath, ['--import', 'tsx', here(`../bench/${file}`), id, ep, n]);

let torchOk = false;
if (peers) {
  torchOk =
    existsSync(torchScript) &&
    existsSync(python) &&
    spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
  if (!torchOk) console.error(`bench: PyTorch peer skipped (needs ${python} with torch and ${torchScript})`);
}

/** The best (fastest) of a peer's rounds; undefined when no round produced a figure. */
function best(rows: (Row | undefined)[]): Row | undefined {
  return rows.filter((r): r is Row => r !== undefined).sort((a, b) => a.seconds_per_epoch - b.seconds_per_epoch)[0];
}
const secs = (rows: (Row | undefined)[]) => rows.map((r) => r?.seconds_per_epoch ?? null);

const results: { id: string; seqtune?: Row; pytorch?: Row; tfjs?: Row }[] = [];
for (const w of workloads) {
  const all = {
    seqtune: [] as (Row | undefined)[],
    pytorch: [] as (Row | undefined)[],
    tfjs: [] as (Row | undefined)[],
  };
  for (let r = 0; r < rounds; r++) {
    all.seqtune.push(worker('seqtune_worker.ts', w.id, epochs, threads)[0]);
    if (peers) {
      if (torchOk)
        all.pytorch.push(
          runJsonLines(python, [torchScript, '--threads', threads, '--only', w.id, '--epochs', epochs])[0],
        );
      if (tfjs) all.tfjs.push(worker('tfjs_worker.ts', w.id, '1')[0]);
    }
  }
  const res = { id: w.id, seqtune: best(all.seqtune), pytorch: best(all.pytorch), tfjs: best(all.tfjs) };
  results.push(res);
  if (json) {
    const s = res.seqtune;
    console.log(
      JSON.stringify({
        id: w.id,
        seconds_per_epoch: s?.seconds_per_epoch ?? null,
        cpu_seconds_per_epoch: s?.cpu_seconds_per_epoch ?? null,
        peak_rss_mb: s?.peak_rss_mb ?? null,
        engine: s?.peer,
        processor: cpu,
        rounds,
        threads: Number(threads),
        seconds_per_epoch_rounds: secs(all.seqtune),
        ...(peers
          ? {
              pytorch_seconds_per_epoch: res.pytorch?.seconds_per_epoch ?? null,
              pytorch_peer: res.pytorch?.peer ?? null,
              pytorch_seconds_per_epoch_rounds: secs(all.pytorch),
              tfjs_seconds_per_epoch: res.tfjs?.seconds_per_epoch ?? null,
              tfjs_peak_rss_mb: res.tfjs?.peak_rss_mb ?? null,
              tfjs_seconds_per_epoch_rounds: secs(all.tfjs),
            }
          : {}),
      }),
    );
  } else {
    const show = (name: string, rows: (Row | undefined)[]) =>
      rows.length
        ? ` ${name} ${secs(rows)
            .map((v) => (v === null ? '-' : v.toFixed(3)))
            .join('/')}`
        : '';
    process.stderr.write(
      `bench: ${w.id} done ` +
        `(s/epoch per round:${show('seqtune', all.seqtune)}${show('pytorch', all.pytorch)}${show('tfjs', all.tfjs)})\n`,
    );
  }
}

if (!json) {
  const f = (v: number | undefined, d = 3) => (v === undefined ? '-' : v.toFixed(d));
  const ratio = (peer?: Row, ours?: Row) =>
    peer && ours ? `${(peer.seconds_per_epoch / ours.seconds_per_epoch).toFixed(2)}x` : '-';
  const head = [
    'workload',
    'seqtune s/epoch',
    'seqtune CPU s/epoch',
    'peak RSS MB',
    ...(peers ? ['PyTorch s/epoch', 'vs PyTorch', 'TF.js wasm s/epoch', 'vs TF.js'] : []),
  ];
  const rows = results.map((r) => [
    r.id,
    f(r.seqtune?.seconds_per_epoch),
    f(r.seqtune?.cpu_seconds_per_epoch),
    String(r.seqtune?.peak_rss_mb ?? '-'),
    ...(peers
      ? [
          f(r.pytorch?.seconds_per_epoch),
          ratio(r.pytorch, r.seqtune),
          f(r.tfjs?.seconds_per_epoch, 2),
          ratio(r.tfjs, r.seqtune),
        ]
      : []),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  const engine = results.find((r) => r.seqtune)?.seqtune?.peer;
  console.log(
    `\nseconds per epoch after one warm-up epoch, ${threads === '1' ? 'one thread' : `${threads} threads`} ` +
      `(TF.js: one), best of ${rounds} round(s) per peer; ` +
      `"vs X" = X's time / seqtune's time (above 1: seqtune is faster); CPU s/epoch: the CPU time of all of ` +
      `seqtune's threads (what the work costs, whatever else runs on the machine). engine: ${engine}` +
      (peers
        ? `; PyTorch: ${results.find((r) => r.pytorch)?.pytorch?.peer ?? 'not run'}; ` +
          `TF.js: ${results.find((r) => r.tfjs)?.tfjs?.peer ?? 'not run'}`
        : '') +
      `\nprocessor: ${cpu}`,
  );
}
