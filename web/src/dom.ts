// Building the page: every piece of data goes in as text (textContent), never as HTML, so a study named
// `<img src=x onerror=alert(1)>` shows those characters.

export type Child = Node | string | number | null | undefined | false;

/** An element with attributes (set as attributes or properties, never innerHTML) and children (text as text nodes). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void) | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'object' ? c : isolated(String(c)));
}

/** The element's children replaced by `children`, text as append puts it. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** Right-to-left letters, and the marks, embeddings, overrides and isolates that steer the direction of text. */
const BIDI = /[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/**
 * Text that could turn the direction of what surrounds it, in a <bdi> of its own: a name holding U+202E (the
 * right-to-left override) turned the rest of its line around, and right-to-left letters move the numbers and
 * punctuation beside them. Other text stays a plain text node.
 */
function isolated(s: string): Node | string {
  if (!BIDI.test(s)) return s;
  const b = document.createElement('bdi');
  b.textContent = s;
  return b;
}

/** A number as people read it: 6 significant digits, or a dash. */
export function num(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return Number(v.toPrecision(digits)).toString();
}

/**
 * The fewest significant digits, from `least` to `most`, at which no two different values print the same: where two
 * trials differ only in their fifth digit the column shows five (0.018606 and 0.018612, not 0.01861 twice).
 */
export function digitsToTell(values: Iterable<number | null>, least = 4, most = 8): number {
  const xs = [...new Set([...values].filter((v): v is number => v !== null && Number.isFinite(v)))].sort(
    (a, b) => a - b,
  );
  for (let d = least; d < most; d++)
    if (xs.every((v, i) => i === 0 || v.toPrecision(d) !== xs[i - 1]!.toPrecision(d))) return d;
  return most;
}

/** How long ago an ISO time was, in words (or a dash). */
export function ago(iso: string | null | undefined): string {
  if (!iso) return '–';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** A number of seconds in words: `45 s`, `12 min`, `3 h`. */
export function seconds(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/**
 * For a running trial whose last heartbeat (or, without one, its start) is older than `staleAfterS`: a note saying
 * its process may be dead (tune fails such a trial the next time a process of its study looks); otherwise null.
 * `skewMs`: the server's clock minus this page's.
 */
export function staleNote(
  t: { state: string; heartbeat?: string | null; started?: string | null },
  staleAfterS: number,
  skewMs: number,
): string | null {
  const since = t.state === 'running' ? (t.heartbeat ?? t.started) : null;
  const s = since ? (Date.now() + skewMs - Date.parse(since)) / 1000 : Number.NaN;
  return s > staleAfterS ? `no heartbeat for ${seconds(s)} (its process may be dead)` : null;
}

/**
 * A running trial's epoch, seen by the dashboard at `at`, is a sign of its process's life as its heartbeat is: its
 * epochs came every second while the page said 'no heartbeat for 8 s (its process may be dead)' from the heartbeat it
 * last read.
 */
export function beating(t: { heartbeat?: string | null }, at: string): void {
  if (!t.heartbeat || Date.parse(at) > Date.parse(t.heartbeat)) t.heartbeat = at;
}

let ticking = false;

/**
 * How long ago an ISO time was, as an element that keeps saying it: every `[data-ago]` of the page is written again
 * every 2 s ("0 s ago" does not stay on a page left open).
 */
export function agoText(iso: string | null | undefined): HTMLElement {
  if (!ticking) {
    ticking = true;
    window.setInterval(() => {
      for (const e of document.querySelectorAll<HTMLElement>('[data-ago]')) e.textContent = ago(e.dataset.ago || null);
    }, 2000);
  }
  return h('span', { 'data-ago': iso ?? '' }, ago(iso));
}

/**
 * A study's time left as its head and the Studies page say it: `time left about 5 min` (whole minutes, up), or ''
 * when study show --json does not say (time_left_s null or absent).
 */
export const timeLeft = (s: number | null | undefined): string =>
  typeof s === 'number' && Number.isFinite(s) ? `time left about ${Math.ceil(Math.max(0, s) / 60)} min` : '';

export const section = (title: string, ...children: Child[]) => h('section', {}, h('h2', {}, title), ...children);

/**
 * A table in a box that scrolls sideways when the window is narrower than the table: its numbers and words stay
 * whole (at 375 px the studies list broke 0.0249966 into "0.0249" and "966", and the Runs page's pager was past the
 * window's edge).
 */
export const scrollBox = (table: HTMLElement) => h('div', { class: 'list-box' }, table);

/** Calls `f` at most once per `ms`, the last call winning (for refetches on bursts of events). */
export function throttle(f: () => void, ms: number): () => void {
  let timer: number | null = null;
  let last = 0;
  return () => {
    if (timer !== null) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = window.setTimeout(() => {
      timer = null;
      last = Date.now();
      f();
    }, wait);
  };
}
