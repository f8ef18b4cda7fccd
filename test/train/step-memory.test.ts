// What fit is told its steps need before the first (Model.stepBytes), against what they take: the engine's
// high-water mark, in a thread of its own for each model (a fresh memory), over two epochs with validation. Each
// layer counts its workspace, the optimizer its state, the training threads their replicas' gradients, a callback
// its copy of the weights: conv1d with batch normalization in front of a GRU(64) at lookback 500 was estimated at
// 252 MiB and took 346 (D, session 34); GRU(128) at lookback 4 with restoreBestWeights and TerminateOnNaN 0.875 of
// what it took. What fit asks the engine for before its first step is the same estimate.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startThread } from '../../src/train/threads/start.js';
import type { Probe } from '../helpers/step-memory-probe.ts';

const probe = new URL('../helpers/step-memory-probe.ts', import.meta.url);

function measure(p: Probe): Promise<{ estimate: number; asked: number; grown: number; threads: number }> {
  return new Promise((resolve, reject) => {
    const w = startThread(probe, p);
    w.once('message', (r) => {
      resolve(r);
      void w.terminate();
    });
    w.once('error', reject);
  });
}

// batches of 32 and a last of 6; the validation one batch of 20: three sizes a thread
const base = { T: 60, batch: 32, samples: 70, validation: 20, threads: 1 } as const;
const probes: Probe[] = [
  { ...base, model: 'gru' },
  { ...base, model: 'lstm', threads: 2 },
  { ...base, model: 'simple_rnn' },
  { ...base, model: 'conv_pool', threads: 2 },
  { ...base, model: 'conv_batch_norm' },
  { ...base, model: 'dropout_stack', threads: 2 },
  { ...base, model: 'dense_stack', optimizer: 'rmsprop' },
  { ...base, model: 'flatten_dense', optimizer: 'sgd', threads: 2 },
  { ...base, model: 'bidirectional', optimizer: 'adagrad' },
  { ...base, model: 'encoder_decoder', horizon: 48, threads: 2 },
  { ...base, model: 'direct_horizon', horizon: 200 },
  { ...base, model: 'linear_skip', validation: 70 },
  // a copy of the weights for each of EarlyStopping's restoreBestWeights and TerminateOnNaN
  { ...base, model: 'wide_gru', T: 4, callbacks: ['early_stopping', 'terminate_on_nan'] },
  { ...base, model: 'conv_batch_norm', callbacks: ['early_stopping'] },
  { ...base, model: 'wide_gru', T: 4, threads: 2, callbacks: ['terminate_on_nan'] },
  // a second fit: the first's packed weights, batch buffers, optimizer state and scratch are there already
  { ...base, model: 'wide_gru', T: 4, refit: true },
  { ...base, model: 'lstm', refit: true },
];

test('the memory a fit is told its steps need is at least what they take, and at most 1.05 times it', async (t) => {
  // three threads at a time, each with its memory
  const results: Awaited<ReturnType<typeof measure>>[] = [];
  for (let i = 0; i < probes.length; i += 3) results.push(...(await Promise.all(probes.slice(i, i + 3).map(measure))));
  const rows = probes.map((p, i) => {
    const { estimate, grown, threads } = results[i]!;
    const ratio = (estimate / grown).toFixed(3);
    const what = [p.model, p.optimizer ?? 'adam', `${threads} thread(s)`, ...(p.callbacks ?? [])];
    if (p.refit) what.push('second fit');
    return `${what.join(', ')}: ${estimate} / ${grown} = ${ratio}`;
  });
  for (const row of rows) t.diagnostic(row);
  for (const [i, { estimate, asked, grown }] of results.entries()) {
    assert.ok(estimate >= grown && estimate <= 1.05 * grown, `${rows[i]}\n(all:\n${rows.join('\n')})`);
    assert.equal(asked, estimate, `fit asked for another estimate: ${rows[i]}`);
  }
});
