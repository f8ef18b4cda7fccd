// All trials' objective per epoch on one canvas: finished trials thin and grey, pruned ones ending where they were
// pruned, the best one blue, running ones orange and growing as epochs arrive (redraw() after an append).

import type { Curves } from './api.js';
import { canvas, chartWidth, scaleOf, tickText, unit } from './chart.js';
import { h } from './dom.js';

const M = { l: 56, r: 12, t: 10, b: 28 };

export class CurvesChart {
  readonly el: HTMLElement;
  private ctx: CanvasRenderingContext2D;
  private frame = 0;

  constructor(
    private data: Curves,
    private best: () => number | null,
    private width = chartWidth(),
    private height = 280,
  ) {
    const c = canvas(width, height);
    this.ctx = c.ctx;
    c.el.id = 'curves-canvas';
    this.el = h('div', { class: 'chart' }, c.el, h('div', { class: 'legend' }));
    this.draw();
  }

  /** Appends an epoch's value to a trial's curve (a new running trial starts one); redraws on the next frame. */
  append(number: number, step: number, value: number | null): void {
    let t = this.data.trials.find((x) => x.number === number);
    if (!t) {
      t = {
        number,
        state: 'running',
        started: new Date().toISOString(),
        finished: null,
        stale_after_s: this.data.stale_after_s, // the study's, until a read of the study brings the trial's own
        values: [],
      };
      this.data.trials.push(t);
    }
    t.values[step] = value;
    this.redraw();
  }

  /** New data (a refetch of the study): drawn on the next frame. */
  replace(data: Curves): void {
    this.data = data;
    this.redraw();
  }

  setState(number: number, state: string): void {
    const t = this.data.trials.find((x) => x.number === number);
    if (t) t.state = state;
    this.redraw();
  }

  redraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { ctx, width: W, height: H, data } = this;
    const w = W - M.l - M.r,
      hh = H - M.t - M.b;
    ctx.clearRect(0, 0, W, H);
    const ys = scaleOf(data.trials.flatMap((t) => t.values));
    const maxLen = Math.max(1, ...data.trials.map((t) => t.values.length));
    const px = (i: number) => M.l + (maxLen > 1 ? (i / (maxLen - 1)) * w : w / 2);
    const py = (v: number) => M.t + hh - Math.min(1, Math.max(0, unit(ys, v))) * hh;
    const finite = (v: number | null | undefined): v is number => v !== null && v !== undefined && Number.isFinite(v);
    // a value with no finite neighbour (a curve of one epoch: a running trial's first, a trial pruned or failed
    // after it) is a dot: as a line it was a moveTo alone, and nothing was drawn of that trial
    const path = (values: (number | null)[]) => {
      ctx.beginPath();
      const dots: [number, number][] = [];
      let pen = false;
      values.forEach((v, i) => {
        if (!finite(v)) pen = false;
        else if (pen) ctx.lineTo(px(i), py(v));
        else {
          ctx.moveTo(px(i), py(v));
          pen = true;
          if (!finite(values[i + 1])) dots.push([px(i), py(v)]);
        }
      });
      ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      for (const [x, y] of dots) {
        ctx.beginPath();
        ctx.arc(x, y, Math.max(2, ctx.lineWidth), 0, 2 * Math.PI);
        ctx.fill();
      }
    };
    const best = this.best();
    const layers: [(s: string, n: number) => boolean, string, number][] = [
      [(s) => s === 'complete' || s === 'failed', 'rgba(107,114,128,0.25)', 1],
      [(s) => s === 'pruned', 'rgba(220,38,38,0.3)', 1],
      [(s, n) => s === 'complete' && n === best, '#2563eb', 2.5],
      [(s) => s === 'running', '#ea580c', 2],
    ];
    for (const [which, color, width] of layers) {
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      for (const t of data.trials) if (which(t.state, t.number)) path(t.values);
    }
    this.axes(ys, maxLen);
    const running = data.trials.filter((t) => t.state === 'running');
    const legend = this.el.querySelector('.legend')!;
    legend.textContent =
      `${data.trials.length} trials; grey: finished, red: pruned, blue: best` +
      (running.length ? `; orange, growing: running ${running.map((t) => `#${t.number}`).join(', ')}` : '');
    this.el.dataset.points = String(data.trials.reduce((a, t) => a + t.values.length, 0));
  }

  private axes(ys: ReturnType<typeof scaleOf>, maxLen: number): void {
    const { ctx, width: W, height: H } = this;
    ctx.strokeStyle = '#9ca3af';
    ctx.lineWidth = 1;
    ctx.strokeRect(M.l, M.t, W - M.l - M.r, H - M.t - M.b);
    ctx.fillStyle = '#374151';
    ctx.font = '11px sans-serif';
    const [lo, hi] = tickText(ys);
    ctx.fillText(hi, 4, M.t + 10);
    ctx.fillText(lo, 4, H - M.b);
    ctx.fillText('1', M.l, H - 8);
    ctx.fillText(`epoch ${maxLen}`, W - M.r - 60, H - 8);
    ctx.fillText(`${this.data.objective ?? 'objective'}${ys.log ? ' (log)' : ''}`, M.l + 6, M.t + 12);
  }
}
