// Trial heartbeats of one tuning process: the trials it runs are beaten every tune.heartbeat seconds from a thread of
// their own (heartbeat-thread.ts), so any other process of the study can tell a live trial from one whose process
// died (stale.ts). Memory storage has no other process: no thread, nothing to beat.
import type { Worker } from 'node:worker_threads';
import type { OfStudy, StaleResult, StaleRule } from '../storage/index.js';
import { siblingModule, startThread } from './thread.js';

/**
 * The sweep the thread does while this process has trials running (its loop, waiting for them, sweeps none): the
 * study's stale trials by `rule`, every `rule.graceMs`; `onSwept` is told what it failed and enqueued.
 */
export interface HeartbeatSweep {
  rule: StaleRule;
  onSwept: (r: StaleResult) => void;
}

export class Heartbeat {
  private closed: Promise<void> | null = null;
  /** The trials beaten now: a thread started again (its last one died) is given them. */
  private readonly trials = new Set<number>();
  private constructor(
    private thread: Worker | null,
    private readonly spawn: () => Promise<Worker>,
  ) {
    if (thread) this.watch(thread);
  }

  /**
   * `of.created`: the study's creation time as this process opened it (StudyContext.created); a study deleted and made
   * again under its name is another, whose trials of the same numbers the thread neither beats nor sweeps.
   */
  static async start(
    url: string,
    study: string,
    seconds: number,
    sweep?: HeartbeatSweep,
    of: OfStudy = {},
  ): Promise<Heartbeat> {
    const data = { url, study, created: of.created, seconds, rule: sweep?.rule ?? null };
    const spawn = async () => {
      const thread = startThread(siblingModule(import.meta.url, 'heartbeat-thread'), data);
      await new Promise<void>((res, rej) => {
        thread.once('message', () => res());
        thread.once('error', rej);
      });
      thread.on('message', (m: { swept?: StaleResult }) => {
        if (m.swept) sweep?.onSwept(m.swept);
      });
      thread.unref();
      return thread;
    };
    return new Heartbeat(url.startsWith('memory') ? null : await spawn(), spawn);
  }

  /**
   * A thread that dies before close() (an error its storage threw where nothing caught it) is started again, with
   * the trials it beat: it died silently, and this process trained on while every trial it ran was failed as stale
   * by the others (PostgreSQL backends ended by pg_terminate_backend: 33 of 63 trials of a 3-process study), each
   * trained to its end, its run folder written for a failed trial.
   */
  private watch(thread: Worker): void {
    thread.on('error', () => {}); // the exit follows
    thread.once('exit', () => {
      if (this.closed || this.thread !== thread) return;
      this.thread = null;
      void this.spawn()
        .then((t) => {
          if (this.closed) return void t.terminate();
          this.thread = t;
          this.watch(t);
          for (const n of this.trials) t.postMessage({ add: n });
        })
        .catch(() => {}); // no thread: the trials are failed as stale, as when the process dies
    });
  }

  add(trial: number): void {
    this.trials.add(trial);
    this.thread?.postMessage({ add: trial });
  }
  remove(trial: number): void {
    this.trials.delete(trial);
    this.thread?.postMessage({ remove: trial });
  }

  /** Stops the thread (once: a second close waits for the first). */
  close(): Promise<void> {
    this.closed ??= this.stop();
    return this.closed;
  }

  private async stop(): Promise<void> {
    const thread = this.thread;
    if (!thread) return;
    thread.ref(); // kept alive until it has closed its storage connection
    const gone = new Promise((res) => thread.once('exit', res));
    thread.postMessage('close');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((res) => (timer = setTimeout(res, 5000)))]);
    clearTimeout(timer);
    await thread.terminate();
  }
}
