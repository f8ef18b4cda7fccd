// A trial thread that fails on purpose, for the fault-isolation tests: the real worker (src/tune/worker.ts) with a
// message listener in front of it that, for the trial numbers SEQTUNE_TEST_FAULTS names ({"3": "exit"}), throws
// outside the trial ("throw"), calls process.exit ("exit"), fills its heap until the thread's resourceLimits stop
// it ("oom") or blocks and never answers until it is terminated ("hang"). SEQTUNE_TEST_FAULTS {"start": "throw"}
// makes the thread fail before it is ready. Every other trial runs as it would in a real study.
import { parentPort } from 'node:worker_threads';

const faults = JSON.parse(process.env.SEQTUNE_TEST_FAULTS ?? '{}') as Record<string, string>;
if (faults.start === 'throw') throw new Error('this thread cannot start (test fault)');

const hog: unknown[] = [];
parentPort!.on('message', (msg: { number?: number }) => {
  const fault = msg.number === undefined ? undefined : faults[String(msg.number)];
  if (fault === 'throw') throw new TypeError(`a bug outside trial ${msg.number} (test fault)`);
  if (fault === 'exit') process.exit(7);
  if (fault === 'oom') for (;;) hog.push(new Array(1e5).fill(hog.length));
  if (fault === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
});
await import('../../src/tune/worker.js');
