// One feed shared by every open page: it polls the storage every `intervalMs` while at least one page listens
// (GET /api/events), and hands each event to every listener. A failed poll is retried at the next tick; it does not
// end the streams.

import type { Feed, FeedEvent, FeedSource } from './feed.js';

export type Listener = (events: FeedEvent[]) => void;

export class Hub {
  private listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  /** The last poll's error, if it failed (shown by GET /api/health). */
  lastError: string | null = null;

  constructor(
    private readonly feed: Feed,
    readonly intervalMs = 250,
    /** Asked before each poll: a new source to read from now on (Feed.replace), or null. */
    private readonly reopened: () => Promise<FeedSource | null> = async () => null,
  ) {}

  /** How many listen now (open event streams). */
  get listening(): number {
    return this.listeners.size;
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    if (!this.timer) this.timer = setInterval(() => void this.tick(), this.intervalMs);
    return () => {
      this.listeners.delete(l);
      if (!this.listeners.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  /** One poll, unless the last one is still running; its events go to every listener. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const source = await this.reopened();
      const events = source ? await this.feed.replace(source) : await this.feed.poll();
      this.lastError = null;
      if (events.length) for (const l of this.listeners) l(events);
    } catch (e) {
      this.lastError = (e as Error).message;
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    await this.feed.close();
  }
}
