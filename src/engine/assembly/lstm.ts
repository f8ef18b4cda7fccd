// Fused LSTM timestep (PyTorch / Keras gate order i, f, g, o):
//   pre = xp + hp  (the layer passes xp = bias + x_t Wx + h_{t-1} Wh from one GEMM and hp = 0; a caller may pass
//   xp = x_t Wx + b and hp = h_{t-1} Wh apart, hp 0 for the zero state)
//   i = ract(pre_i), f = ract(pre_f), g = act(pre_g), o = ract(pre_o)
//   c_t = f c_{t-1} + i g, a_t = act(c_t), h_t = o a_t
// g (B, 4H) keeps i, f, g, o; c and a (B, H each) keep the cell state and act(c).
import { act_span, sact, vdact, sdact, TANH, SIGMOID } from './act';
import { fma, vflush, sflush, vsigmoid, vtanh } from './simd';

// One unit j of one row, scalar (tails of H % 4, and any activation pair).
@inline
function lstm_unit(
  j: i32,
  H: i32,
  xr: usize,
  hr: usize,
  gr: usize,
  prow: usize,
  crow: usize,
  arow: usize,
  hrow: usize,
  hp: usize,
  cprev: usize,
  act: i32,
  ract: i32,
): void {
  const o = (<usize>j) << 2;
  const f0 = (<usize>H) << 2,
    g0 = (<usize>(2 * H)) << 2,
    o0 = (<usize>(3 * H)) << 2;
  let pi = load<f32>(xr + o),
    pf = load<f32>(xr + f0 + o),
    pg = load<f32>(xr + g0 + o),
    po = load<f32>(xr + o0 + o);
  if (hp) {
    pi += load<f32>(hr + o);
    pf += load<f32>(hr + f0 + o);
    pg += load<f32>(hr + g0 + o);
    po += load<f32>(hr + o0 + o);
  }
  const i = sact(ract, pi),
    f = sact(ract, pf),
    gg = sact(act, pg),
    oo = sact(ract, po);
  store<f32>(gr + o, i);
  store<f32>(gr + f0 + o, f);
  store<f32>(gr + g0 + o, gg);
  store<f32>(gr + o0 + o, oo);
  const cp: f32 = cprev ? load<f32>(prow + o) : 0;
  const cv = f * cp + i * gg;
  const av = sact(act, cv);
  store<f32>(crow + o, cv);
  store<f32>(arow + o, av);
  store<f32>(hrow + o, oo * av);
}

export function lstm_fwd_step(
  B: i32,
  H: i32,
  xp: usize,
  hp: usize,
  cprev: usize,
  c: usize,
  a: usize,
  hout: usize,
  ldh: i32,
  g: usize,
  act: i32,
  ract: i32,
): void {
  const H4 = 4 * H;
  const f0 = (<usize>H) << 2,
    g0 = (<usize>(2 * H)) << 2,
    o0 = (<usize>(3 * H)) << 2;
  const fused = act == TANH && ract == SIGMOID;
  for (let b = 0; b < B; b++) {
    const xr = xp + ((<usize>(b * H4)) << 2);
    const hr = hp + ((<usize>(b * H4)) << 2);
    const gr = g + ((<usize>(b * H4)) << 2);
    const crow = c + ((<usize>(b * H)) << 2),
      arow = a + ((<usize>(b * H)) << 2);
    const prow = cprev + ((<usize>(b * H)) << 2);
    const hrow = hout + ((<usize>(b * ldh)) << 2);
    let j = 0;
    if (fused) {
      // The default cell (tanh, sigmoid) in two passes over the row (in L1): the four gates and c, four
      // independent activations per vector; then act(c) and h, two vectors at a time. act(c) waits on all four
      // gates, so in one pass each vector was one long dependency chain (264 -> 197 us a 24-step sequence at
      // B 32, H 64; the same operations on each value, so the same bits).
      for (; j + 4 <= H; j += 4) {
        const o = (<usize>j) << 2;
        let pi = v128.load(xr + o),
          pf = v128.load(xr + f0 + o),
          pg = v128.load(xr + g0 + o),
          po = v128.load(xr + o0 + o);
        if (hp) {
          pi = f32x4.add(pi, v128.load(hr + o));
          pf = f32x4.add(pf, v128.load(hr + f0 + o));
          pg = f32x4.add(pg, v128.load(hr + g0 + o));
          po = f32x4.add(po, v128.load(hr + o0 + o));
        }
        const i = vsigmoid(pi),
          f = vsigmoid(pf),
          gg = vtanh(pg),
          oo = vsigmoid(po);
        v128.store(gr + o, i);
        v128.store(gr + f0 + o, f);
        v128.store(gr + g0 + o, gg);
        v128.store(gr + o0 + o, oo);
        let cv = f32x4.mul(i, gg);
        if (cprev) cv = fma(f, v128.load(prow + o), cv);
        v128.store(crow + o, cv);
      }
      let k = 0;
      for (; k + 8 <= H; k += 8) {
        const o = (<usize>k) << 2;
        const a0 = vtanh(v128.load(crow + o)),
          a1 = vtanh(v128.load(crow + o, 16));
        v128.store(arow + o, a0);
        v128.store(arow + o, a1, 16);
        v128.store(hrow + o, f32x4.mul(v128.load(gr + o0 + o), a0));
        v128.store(hrow + o, f32x4.mul(v128.load(gr + o0 + o, 16), a1), 16);
      }
      for (; k + 4 <= H; k += 4) {
        const o = (<usize>k) << 2;
        const av = vtanh(v128.load(crow + o));
        v128.store(arow + o, av);
        v128.store(hrow + o, f32x4.mul(v128.load(gr + o0 + o), av));
      }
      for (; j < H; j++) lstm_unit(j, H, xr, hr, gr, prow, crow, arow, hrow, hp, cprev, act, ract);
      continue;
    }
    if (hp) {
      for (; j + 4 <= H4; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(gr + o, f32x4.add(v128.load(xr + o), v128.load(hr + o)));
      }
      for (; j < H4; j++) {
        const o = (<usize>j) << 2;
        store<f32>(gr + o, load<f32>(xr + o) + load<f32>(hr + o));
      }
    } else {
      memory.copy(gr, xr, (<usize>H4) << 2);
    }
    act_span(ract, gr, 2 * H);
    act_span(act, gr + g0, H);
    act_span(ract, gr + o0, H);
    // c = f c_{t-1} + i g, written to c and (before its activation) to a.
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      let cv = f32x4.mul(v128.load(gr + o), v128.load(gr + g0 + o));
      if (cprev) cv = fma(v128.load(gr + f0 + o), v128.load(prow + o), cv);
      v128.store(crow + o, cv);
      v128.store(arow + o, cv);
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      const cp: f32 = cprev ? load<f32>(prow + o) : 0;
      const cv = load<f32>(gr + f0 + o) * cp + load<f32>(gr + o) * load<f32>(gr + g0 + o);
      store<f32>(crow + o, cv);
      store<f32>(arow + o, cv);
    }
    act_span(act, arow, H);
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(hrow + o, f32x4.mul(v128.load(gr + o0 + o), v128.load(arow + o)));
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      store<f32>(hrow + o, load<f32>(gr + o0 + o) * load<f32>(arow + o));
    }
  }
}

// Backward of one step. dh = dcarry_h + dy_t; dc = dcarry_c + dh o act'(a)
//   do = dh a, di = dc g, dg = dc i, df = dc c_{t-1}, dcarry_c <- dc f
//   dpre = [di ract'(i), df ract'(f), dg act'(g), do ract'(o)] written to dgates (B, 4H).
// The caller sets dcarry_h = dgates Wh^T.
export function lstm_bwd_step(
  B: i32,
  H: i32,
  g: usize,
  cprev: usize,
  a: usize,
  dy: usize,
  ldy: i32,
  dch: usize,
  dcc: usize,
  dg: usize,
  act: i32,
  ract: i32,
): void {
  const H4 = 4 * H;
  const f0 = (<usize>H) << 2,
    g0 = (<usize>(2 * H)) << 2,
    o0 = (<usize>(3 * H)) << 2;
  for (let b = 0; b < B; b++) {
    const gr = g + ((<usize>(b * H4)) << 2);
    const dr = dg + ((<usize>(b * H4)) << 2);
    const row = (<usize>(b * H)) << 2;
    const yrow = dy + ((<usize>(b * ldy)) << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      let dh = v128.load(dch + row + o);
      if (dy) dh = f32x4.add(dh, v128.load(yrow + o));
      const ii = v128.load(gr + o),
        ff = v128.load(gr + f0 + o),
        gg = v128.load(gr + g0 + o),
        oo = v128.load(gr + o0 + o);
      const av = v128.load(a + row + o);
      const cp = cprev ? v128.load(cprev + row + o) : f32x4.splat(0);
      const dc = f32x4.add(v128.load(dcc + row + o), f32x4.mul(f32x4.mul(dh, oo), vdact(act, av)));
      v128.store(dcc + row + o, vflush(f32x4.mul(dc, ff)));
      v128.store(dr + o, vflush(f32x4.mul(f32x4.mul(dc, gg), vdact(ract, ii))));
      v128.store(dr + f0 + o, vflush(f32x4.mul(f32x4.mul(dc, cp), vdact(ract, ff))));
      v128.store(dr + g0 + o, vflush(f32x4.mul(f32x4.mul(dc, ii), vdact(act, gg))));
      v128.store(dr + o0 + o, vflush(f32x4.mul(f32x4.mul(dh, av), vdact(ract, oo))));
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      let dh = load<f32>(dch + row + o);
      if (dy) dh += load<f32>(yrow + o);
      const ii = load<f32>(gr + o),
        ff = load<f32>(gr + f0 + o),
        gg = load<f32>(gr + g0 + o),
        oo = load<f32>(gr + o0 + o);
      const av = load<f32>(a + row + o);
      const cp: f32 = cprev ? load<f32>(cprev + row + o) : 0;
      const dc = load<f32>(dcc + row + o) + dh * oo * sdact(act, av);
      store<f32>(dcc + row + o, sflush(dc * ff));
      store<f32>(dr + o, sflush(dc * gg * sdact(ract, ii)));
      store<f32>(dr + f0 + o, sflush(dc * cp * sdact(ract, ff)));
      store<f32>(dr + g0 + o, sflush(dc * ii * sdact(act, gg)));
      store<f32>(dr + o0 + o, sflush(dh * av * sdact(ract, oo)));
    }
  }
}
