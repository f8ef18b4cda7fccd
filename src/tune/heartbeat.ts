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
  private constructor(private readonly thread: Worker | null) {}

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
    if (url.startsWith('memory')) return new Heartbeat(null);
    const data = { url, study, created: of.created, seconds, rule: sweep?.rule ?? null };
    const thread = startThread(siblingModule(import.meta.url, 'heartbeat-thread'), data);
    await new Promise<void>((res, rej) => {
      thread.once('message', () => res());
      thread.once('error', rej);
    });
    thread.on('message', (m: { swept?: StaleResult }) => {
      if (m.swept) sweep?.onSwept(m.swept);
    });
    thread.unref();
    return new Heartbeat(thread);
  }

  add(trial: number): void {
    this.thread?.postMessage({ add: trial });
  }
  remove(trial: number): void {
    this.thread?.postMessage({ remove: trial });
  }

  /** Stops the thread (once: a second close waits for the first). */
  close(): Promise<void> {
    this.closed ??= this.stop();
    return this.closed;
  }

  private async stop(): Promise<void> {
    if (!this.thread) return;
    this.thread.ref(); // kept alive until it has closed its storage connection
    const gone = new Promise((res) => this.thread!.once('exit', res));
    this.thread.postMessage('close');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((res) => (timer = setTimeout(res, 5000)))]);
    clearTimeout(timer);
    await this.thread.terminate();
  }
}
