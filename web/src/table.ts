// A virtualised table: only the rows in view (and a few around them) are in the page, so thousands of trials scroll
// smoothly. Columns sort on a click of their header (again: reversed); a filter function picks the rows shown. Each
// column keeps a width of its own: on a narrow window the table scrolls sideways inside its box (the header row
// with it) instead of cutting every cell to a letter, and a cell's full text is its tooltip.

import { h } from './dom.js';

export interface Column<R> {
  label: string;
  /** The cell's text. */
  text: (r: R) => string;
  /** The cell's tooltip (default: the text). */
  title?: (r: R) => string;
  /** What the column sorts by (default: the text). */
  sort?: (r: R) => number | string | null;
  className?: string;
  /** The narrowest the column gets, in CSS pixels (default 110); wider windows share the rest. */
  width?: number;
}

const ROW = 26;

const cellStyle = (c: { width?: number }) => `flex: 1 0 ${c.width ?? 110}px`;
const EXTRA = 10;

export class VirtualTable<R> {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private canvas: HTMLElement;
  private count: HTMLElement;
  private rows: R[] = [];
  private shown: R[] = [];
  private sortBy = -1;
  private desc = false;
  private filter: (r: R) => boolean = () => true;
  private head: HTMLElement;

  constructor(
    private cols: Column<R>[],
    private link: (r: R) => string,
    private key: (r: R) => string,
    height = 420,
  ) {
    this.head = h('div', { class: 'vt-head' });
    this.body = h('div', { class: 'vt-body', role: 'rowgroup' });
    this.canvas = h('div', { class: 'vt-canvas' }, this.body);
    this.heads();
    const scroller = h('div', { class: 'vt-scroll' }, this.head, this.canvas);
    scroller.style.height = `${height}px`;
    scroller.addEventListener('scroll', () => this.paint(scroller));
    this.count = h('div', { class: 'vt-count' });
    this.el = h('div', { class: 'vt', role: 'table' }, scroller, this.count);
  }

  private heads(): void {
    const min = `${this.cols.reduce((a, c) => a + (c.width ?? 110), 0)}px`;
    this.head.style.minWidth = min;
    this.canvas.style.minWidth = min;
    this.head.replaceChildren(
      ...this.cols.map((c, i) =>
        h(
          'span',
          {
            class: `vt-cell ${c.className ?? ''}`,
            style: cellStyle(c),
            title: c.label,
            role: 'columnheader',
            // a header sorts from the keyboard too: Tab to it, Enter or Space (it took a click alone)
            tabindex: 0,
            onclick: () => this.sort(i),
            onkeydown: (e: Event) => {
              const key = (e as KeyboardEvent).key;
              if (key !== 'Enter' && key !== ' ') return;
              e.preventDefault();
              this.sort(i);
            },
          },
          c.label,
        ),
      ),
    );
    this.marks();
  }

  /** Which header the rows are sorted by, and which way (aria-sort), for a screen reader. */
  private marks(): void {
    [...this.head.children].forEach((el, i) => {
      el.setAttribute('aria-sort', i !== this.sortBy ? 'none' : this.desc ? 'descending' : 'ascending');
    });
  }

  /** New columns (a study's first trials bring its parameters); the sort stays on a column of the same label. */
  setColumns(cols: Column<R>[]): void {
    const by = this.cols[this.sortBy]?.label;
    this.cols = cols;
    this.sortBy = by === undefined ? -1 : cols.findIndex((c) => c.label === by);
    this.heads();
    this.refresh();
  }

  setRows(rows: R[]): void {
    this.rows = rows;
    this.refresh();
  }
  setFilter(f: (r: R) => boolean): void {
    this.filter = f;
    this.refresh();
  }
  private sort(i: number): void {
    this.desc = this.sortBy === i ? !this.desc : false;
    this.sortBy = i;
    this.marks();
    this.refresh();
  }

  /** Filters and sorts again, then paints the rows in view. */
  refresh(): void {
    let rows = this.rows.filter(this.filter);
    const c = this.cols[this.sortBy];
    if (c) {
      const by = c.sort ?? c.text;
      const dir = this.desc ? -1 : 1;
      rows = rows
        .map((r) => [by(r), r] as const)
        .sort(([a], [b]) => {
          if (a === b) return 0;
          if (a === null) return 1;
          if (b === null) return -1;
          return (a < b ? -1 : 1) * dir;
        })
        .map(([, r]) => r);
    }
    this.shown = rows;
    this.canvas.style.height = `${rows.length * ROW}px`;
    this.count.textContent = `${rows.length} of ${this.rows.length} trials shown`;
    this.el.dataset.rows = String(rows.length);
    this.paint(this.canvas.parentElement!);
  }

  /**
   * Paints the rows in view. A row that had the focus (Tab through the table, a live study's page painting its rows
   * anew at each trial) gets it back in its new element: the focus went to the page's body, and the next Tab started
   * again from the table's first rows.
   */
  private paint(scroller: HTMLElement): void {
    const active = document.activeElement;
    const focused = active instanceof HTMLElement && this.body.contains(active) ? active.dataset.key : undefined;
    const first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - EXTRA);
    const last = Math.min(this.shown.length, Math.ceil((scroller.scrollTop + scroller.clientHeight) / ROW) + EXTRA);
    this.body.style.transform = `translateY(${first * ROW}px)`;
    this.body.replaceChildren(
      ...this.shown.slice(first, Math.max(last, first + 30)).map((r) =>
        h(
          'a',
          { class: 'vt-row', href: this.link(r), role: 'row', 'data-key': this.key(r) },
          ...this.cols.map((c) => {
            const text = c.text(r);
            return h(
              'span',
              { class: `vt-cell ${c.className ?? ''}`, style: cellStyle(c), title: c.title?.(r) ?? text, role: 'cell' },
              text,
            );
          }),
        ),
      ),
    );
    if (focused === undefined) return;
    for (const row of this.body.children)
      if (row instanceof HTMLElement && row.dataset.key === focused) row.focus({ preventScroll: true });
  }
}
