// Fused LSTM timestep (PyTorch / Keras gate order i, f, g, o):
//   pre = xp + hp  (xp = x_t Wx + b for all t by one GEMM; hp = h_{t-1} Wh, 0 for the zero state)
//   i = ract(pre_i), f = ract(pre_f), g = act(pre_g), o = ract(pre_o)
//   c_t = f c_{t-1} + i g, a_t = act(c_t), h_t = o a_t
// g (B, 4H) keeps i, f, g, o; c and a (B, H each) keep the cell state and act(c).
import { act_span, vdact, sdact } from "./act";
import { fma, vflush, sflush } from "./simd";

export function lstm_fwd_step(B: i32, H: i32, xp: usize, hp: usize, cprev: usize, c: usize, a: usize,
                              hout: usize, ldh: i32, g: usize, act: i32, ract: i32): void {
  const H4 = 4 * H;
  const f0 = <usize>H << 2, g0 = <usize>(2 * H) << 2, o0 = <usize>(3 * H) << 2;
  for (let b = 0; b < B; b++) {
    const xr = xp + (<usize>(b * H4) << 2);
    const hr = hp + (<usize>(b * H4) << 2);
    const gr = g + (<usize>(b * H4) << 2);
    let j = 0;
    if (hp) {
      for (; j + 4 <= H4; j += 4) { const o = <usize>j << 2; v128.store(gr + o, f32x4.add(v128.load(xr + o), v128.load(hr + o))); }
      for (; j < H4; j++) { const o = <usize>j << 2; store<f32>(gr + o, load<f32>(xr + o) + load<f32>(hr + o)); }
    } else {
      memory.copy(gr, xr, <usize>H4 << 2);
    }
    act_span(ract, gr, 2 * H);
    act_span(act, gr + g0, H);
    act_span(ract, gr + o0, H);
    const crow = c + (<usize>(b * H) << 2), arow = a + (<usize>(b * H) << 2);
    const prow = cprev + (<usize>(b * H) << 2);
    // c = f c_{t-1} + i g, written to c and (before its activation) to a.
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      let cv = f32x4.mul(v128.load(gr + o), v128.load(gr + g0 + o));
      if (cprev) cv = fma(v128.load(gr + f0 + o), v128.load(prow + o), cv);
      v128.store(crow + o, cv);
      v128.store(arow + o, cv);
    }
    for (; j < H; j++) {
      const o = <usize>j << 2;
      const cp: f32 = cprev ? load<f32>(prow + o) : 0;
      const cv = load<f32>(gr + f0 + o) * cp + load<f32>(gr + o) * load<f32>(gr + g0 + o);
      store<f32>(crow + o, cv);
      store<f32>(arow + o, cv);
    }
    act_span(act, arow, H);
    const hrow = hout + (<usize>(b * ldh) << 2);
    j = 0;
    for (; j + 4 <= H; j += 4) { const o = <usize>j << 2; v128.store(hrow + o, f32x4.mul(v128.load(gr + o0 + o), v128.load(arow + o))); }
    for (; j < H; j++) { const o = <usize>j << 2; store<f32>(hrow + o, load<f32>(gr + o0 + o) * load<f32>(arow + o)); }
  }
}

// Backward of one step. dh = dcarry_h + dy_t; dc = dcarry_c + dh o act'(a)
//   do = dh a, di = dc g, dg = dc i, df = dc c_{t-1}, dcarry_c <- dc f
//   dpre = [di ract'(i), df ract'(f), dg act'(g), do ract'(o)] written to dgates (B, 4H).
// The caller sets dcarry_h = dgates Wh^T.
export function lstm_bwd_step(B: i32, H: i32, g: usize, cprev: usize, a: usize, dy: usize, ldy: i32,
                              dch: usize, dcc: usize, dg: usize, act: i32, ract: i32): void {
  const H4 = 4 * H;
  const f0 = <usize>H << 2, g0 = <usize>(2 * H) << 2, o0 = <usize>(3 * H) << 2;
  for (let b = 0; b < B; b++) {
    const gr = g + (<usize>(b * H4) << 2);
    const dr = dg + (<usize>(b * H4) << 2);
    const row = <usize>(b * H) << 2;
    const yrow = dy + (<usize>(b * ldy) << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      let dh = v128.load(dch + row + o);
      if (dy) dh = f32x4.add(dh, v128.load(yrow + o));
      const ii = v128.load(gr + o), ff = v128.load(gr + f0 + o), gg = v128.load(gr + g0 + o), oo = v128.load(gr + o0 + o);
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
      const o = <usize>j << 2;
      let dh = load<f32>(dch + row + o);
      if (dy) dh += load<f32>(yrow + o);
      const ii = load<f32>(gr + o), ff = load<f32>(gr + f0 + o), gg = load<f32>(gr + g0 + o), oo = load<f32>(gr + o0 + o);
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
