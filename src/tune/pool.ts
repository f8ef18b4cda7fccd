// The worker pool of a study with tune.jobs > 1: worker threads (worker.ts) that each run one trial at a time, with
// their own engine and their own storage connection. A thread that fails is isolated: a trial that throws, a thread
// that crashes outside the trial ('error': an uncaught exception, out of memory under resourceLimits) or exits
// ('exit': process.exit, a fatal error) ends that trial with the reason, and the thread is replaced; the other
// threads go on. A thread that cannot start (its first 'ready' never comes) is reported once, by start() or, for a
// replacement, by the next run() when no thread is left.
//
// Why not piscina or tinypool: neither is a dependency, and a pool of trial threads needs little of what they do
// (task queues, idle timeouts, transferables, atomics) but two things they do not give: a stable worker number per
// thread (a trial's owner records it) and the cause of a thread's death as the trial's failure, with its stack.
import type { ResourceLimits, Worker } from 'node:worker_threads';
import type { LoadedConfig } from '../config/index.js';
import type { SharedPreparedData } from '../data/index.js';
import { SeqtuneError } from '../errors.js';
import { siblingModule, startThread } from './thread.js';

/** How a trial run in the pool ended: answered by its thread, or not (a crash, an exit), with the reason. */
export type TrialOutcome = { ok: true } | { ok: false; reason: string; stack?: string };

/** What each worker starts from: the config, the storage and study, and the base config's shared data. */
export interface WorkerData {
  file: string;
  /** The parent's config as loaded (a `seqtune worker` reads it from storage: there may be no file here). */
  loaded?: LoadedConfig;
  storage: string;
  study: string;
  /** The study's creation time as the parent opened it (TrialEnv.created). */
  created?: string;
  /** The base config's prepared data in shared memory (every worker reads the same series, none copies it). */
  data?: SharedPreparedData;
  /** The folder where completed trials keep their run folders. */
  runs?: string;
  /** When the study's time budget ends (performance.timeOrigin-based ms); trials stop at the first epoch after. */
  deadline?: number;
  /** Threads of each trial's training. */
  threads?: number;
}

/** The pool has no thread left that can start. */
export class PoolError extends SeqtuneError {}

interface Slot {
  readonly id: number;
  worker: Worker | null;
}

export interface PoolOptions {
  /** The thread module (default worker.ts; tests use one that crashes on purpose). */
  script?: URL;
  resourceLimits?: ResourceLimits;
}

/** Starts one thread and waits for its 'ready'; rejects with why it did not start. */
function ready(script: URL, data: unknown, limits?: ResourceLimits): Promise<Worker> {
  return new Promise<Worker>((res, rej) => {
    const w = startThread(script, data, limits);
    // Only our own listeners are removed: a Worker keeps internal ones (they ref and unref its port).
    const off = () => {
      w.off('message', onReady);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const fail = (why: string) => {
      off();
      void w.terminate();
      rej(new PoolError(`a trial worker thread could not start: ${why}`));
    };
    const onReady = () => {
      off();
      res(w);
    };
    const onError = (e: Error) => fail(e.message);
    const onExit = (code: number) => fail(`it exited with code ${code}`);
    w.once('message', onReady);
    w.once('error', onError);
    w.once('exit', onExit);
  });
}

export class WorkerPool {
  private idle: Slot[];
  private waiting: ((s: Slot) => void)[] = [];
  /**
   * Set by close(): a thread that close() terminated mid-trial exits like a crashed one, and is not replaced (a
   * replacement started then kept the process of an aborted runStudy alive, with nothing left to end it).
   */
  private closed = false;

  private constructor(
    private readonly slots: Slot[],
    private readonly spawn: () => Promise<Worker>,
  ) {
    for (const s of slots) if (s.worker) watch(s, s.worker);
    this.idle = [...slots].reverse();
  }

  static async start(n: number, data: WorkerData, o: PoolOptions = {}): Promise<WorkerPool> {
    const script = o.script ?? siblingModule(import.meta.url, 'worker');
    const spawn = () => ready(script, data, o.resourceLimits);
    const started = await Promise.allSettled(Array.from({ length: n }, spawn));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) {
      for (const s of started) if (s.status === 'fulfilled') await s.value.terminate();
      throw failed.reason;
    }
    const workers = started.map((s) => (s as PromiseFulfilledResult<Worker>).value);
    return new WorkerPool(
      workers.map((worker, id) => ({ id, worker })),
      spawn,
    );
  }

  /** The number of the worker the next run() takes (a trial's owner records it). */
  nextWorker(): number {
    return this.idle.at(-1)?.id ?? 0;
  }

  /**
   * Runs a created trial on a free thread. Never rejects for the thread's failure (the outcome says it); rejects
   * with PoolError when a dead thread cannot be replaced.
   */
  async run(number: number, deadline?: number): Promise<TrialOutcome> {
    const slot = this.idle.pop() ?? (await new Promise<Slot>((res) => this.waiting.push(res)));
    try {
      const w = slot.worker ?? (await this.respawn(slot));
      const out = await runOn(w, number, deadline);
      if (out.ok || !('crashed' in out)) return out;
      void w.terminate();
      if (slot.worker === w) slot.worker = null;
      if (!this.closed) await this.respawn(slot); // the next trial of this slot finds a live thread
      return { ok: false, reason: out.reason, ...(out.stack ? { stack: out.stack } : {}) };
    } finally {
      const next = this.waiting.shift();
      if (next) next(slot);
      else this.idle.push(slot);
    }
  }

  private async respawn(slot: Slot): Promise<Worker> {
    if (this.closed) throw new PoolError('the trial threads were closed');
    const w = await this.spawn();
    if (this.closed) {
      // close() ran while this thread started: it did not see it
      await w.terminate();
      throw new PoolError('the trial threads were closed');
    }
    slot.worker = w;
    watch(slot, w);
    return w;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker?.terminate()));
  }
}

/** A thread that dies while idle leaves its slot empty: the slot's next trial starts a new one. */
function watch(slot: Slot, w: Worker): void {
  w.once('exit', () => {
    if (slot.worker === w) slot.worker = null;
  });
}

/** One trial on one thread: its answer, or the thread's death. */
function runOn(w: Worker, number: number, deadline?: number): Promise<TrialOutcome | CrashOutcome> {
  return new Promise((res) => {
    const done = (o: TrialOutcome | CrashOutcome) => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
      res(o);
    };
    const onMessage = (m: { number: number; error?: string; stack?: string }) =>
      done(m.error ? { ok: false, reason: m.error, ...(m.stack ? { stack: m.stack } : {}) } : { ok: true });
    const onError = (e: Error & { code?: string }) =>
      done({
        ok: false,
        crashed: true,
        reason:
          e.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `the worker thread ran out of memory (${e.message})`
            : `the worker thread crashed: ${e.message}`,
        stack: e.stack ?? String(e),
      });
    const onExit = (code: number) =>
      done({ ok: false, crashed: true, reason: `the worker thread exited (code ${code}) while it ran the trial` });
    w.on('message', onMessage);
    w.once('error', onError);
    w.once('exit', onExit);
    w.postMessage({ number, deadline });
  });
}

interface CrashOutcome {
  ok: false;
  /** The thread is gone (or must go): it is replaced. */
  crashed: true;
  reason: string;
  stack?: string;
}
