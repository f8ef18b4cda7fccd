// Optimizer updates over one flat parameter vector p with gradient g (n floats), PyTorch rules.
// Weight decay wd (L2, added to the gradient) is folded in where PyTorch folds it.

/** SGD: g' = g + wd p; buf = mom buf + (1 - damp) g' (buf = g' on the first step);
 *  step = nesterov ? g' + mom buf : buf (or g' without momentum); p -= lr step. */
export function sgd_step(
  p: usize,
  g: usize,
  buf: usize,
  n: i32,
  lr: f32,
  mom: f32,
  damp: f32,
  nesterov: i32,
  wd: f32,
  first: i32,
): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    let d = load<f32>(g + o) + wd * load<f32>(p + o);
    if (mom != 0) {
      const b = first ? d : mom * load<f32>(buf + o) + (1 - damp) * d;
      store<f32>(buf + o, b);
      d = nesterov ? d + mom * b : b;
    }
    store<f32>(p + o, load<f32>(p + o) - lr * d);
  }
}

/** Adam / AdamW: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
 *  p -= (lr / bc1) m / (sqrt(v) / sqrt(bc2) + eps). decoupled: p *= 1 - lr wd first (AdamW), else g += wd p. */
export function adam_step(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  lr: f32,
  b1: f32,
  b2: f32,
  eps: f32,
  bc1: f32,
  bc2: f32,
  wd: f32,
  decoupled: i32,
): void {
  const stepSize = lr / bc1;
  const sbc2 = Mathf.sqrt(bc2);
  const vb1 = f32x4.splat(b1),
    vb2 = f32x4.splat(b2),
    v1b1 = f32x4.splat(1 - b1),
    v1b2 = f32x4.splat(1 - b2);
  const vstep = f32x4.splat(stepSize),
    vinv = f32x4.splat(1 / sbc2),
    veps = f32x4.splat(eps);
  const decay: f32 = decoupled ? 1 - lr * wd : 1;
  const vdecay = f32x4.splat(decay),
    vwd = f32x4.splat(decoupled ? 0 : wd);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = (<usize>i) << 2;
    let pv = f32x4.mul(v128.load(p + o), vdecay);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, v128.load(p + o)));
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(v1b1, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(v1b2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vinv), veps);
    pv = f32x4.sub(pv, f32x4.mul(vstep, f32x4.div(mv, denom)));
    v128.store(p + o, pv);
  }
  for (; i < n; i++) {
    const o = (<usize>i) << 2;
    const p0 = load<f32>(p + o);
    const gv = load<f32>(g + o) + (decoupled ? 0 : wd) * p0;
    const mv = b1 * load<f32>(m + o) + (1 - b1) * gv;
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(p + o, p0 * decay - (stepSize * mv) / (Mathf.sqrt(vv) / sbc2 + eps));
  }
}

/** RMSprop: sq = alpha sq + (1-alpha) g^2; centered: ga = alpha ga + (1-alpha) g, avg = sqrt(sq - ga^2) + eps,
 *  else avg = sqrt(sq) + eps; mom > 0: buf = mom buf + g/avg, p -= lr buf; else p -= lr g/avg. */
export function rmsprop_step(
  p: usize,
  g: usize,
  sq: usize,
  buf: usize,
  ga: usize,
  n: i32,
  lr: f32,
  alpha: f32,
  eps: f32,
  mom: f32,
  centered: i32,
  wd: f32,
): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const p0 = load<f32>(p + o);
    const gv = load<f32>(g + o) + wd * p0;
    const s = alpha * load<f32>(sq + o) + (1 - alpha) * gv * gv;
    store<f32>(sq + o, s);
    let avg: f32;
    if (centered) {
      const a = alpha * load<f32>(ga + o) + (1 - alpha) * gv;
      store<f32>(ga + o, a);
      avg = Mathf.sqrt(s - a * a) + eps;
    } else {
      avg = Mathf.sqrt(s) + eps;
    }
    if (mom > 0) {
      const b = mom * load<f32>(buf + o) + gv / avg;
      store<f32>(buf + o, b);
      store<f32>(p + o, p0 - lr * b);
    } else {
      store<f32>(p + o, p0 - (lr * gv) / avg);
    }
  }
}

/** Adagrad: sum += g^2; p -= clr g / (sqrt(sum) + eps), clr = lr / (1 + (t-1) lr_decay) computed by the caller. */
export function adagrad_step(p: usize, g: usize, sum: usize, n: i32, clr: f32, eps: f32, wd: f32): void {
  for (let i = 0; i < n; i++) {
    const o = (<usize>i) << 2;
    const p0 = load<f32>(p + o);
    const gv = load<f32>(g + o) + wd * p0;
    const s = load<f32>(sum + o) + gv * gv;
    store<f32>(sum + o, s);
    store<f32>(p + o, p0 - (clr * gv) / (Mathf.sqrt(s) + eps));
  }
}
