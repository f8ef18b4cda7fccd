// One feed shared by every open page: it polls the storage every `intervalMs` while at least one page listens
// (GET /api/events), and hands each event to every listener. A failed poll is retried at the next tick; it does not
// end the streams.

import type { Feed, FeedEvent, FeedSource } from './feed.js';

export type Listener = (events: FeedEvent[]) => void;

export class Hub {
  private listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  /** The poll under way, if any. */
  private polling: Promise<void> | null = null;
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

  /** One poll, unless the last one is still running (then that one's end). Its events go to every listener. */
  tick(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /**
   * A poll that starts now (after the one under way, if any): once it is done the feed knows every study the storage
   * holds now, so that a study a page read is told when it is deleted. An event stream says hello only after it: the
   * hub stops polling while no page listens, and a study created then, read by a page that opened and deleted before
   * the next poll, was never told deleted (its page went on showing it, live).
   */
  async sync(): Promise<void> {
    await this.polling;
    await this.tick();
  }

  private async poll(): Promise<void> {
    try {
      const source = await this.reopened();
      const events = source ? await this.feed.replace(source) : await this.feed.poll();
      this.lastError = null;
      if (events.length) for (const l of this.listeners) l(events);
    } catch (e) {
      this.lastError = (e as Error).message;
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    await this.feed.close();
  }
}
