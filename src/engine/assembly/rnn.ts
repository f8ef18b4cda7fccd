// Fused SimpleRNN (Elman) timestep: h_t = act(xp_t + hp), xp = x_t Wx + b, hp = h_{t-1} Wh (0 at the zero state).
// Backward: dpre = (dcarry + dy_t) act'(h_t), written to dg (B, H); the caller sets dcarry = dpre Wh^T.
import { act_span, dact_span } from './act';
import { vflush, sflush } from './simd';

export function rnn_fwd_step(B: i32, H: i32, xp: usize, hp: usize, hout: usize, ldh: i32, act: i32): void {
  for (let b = 0; b < B; b++) {
    const xr = xp + ((<usize>(b * H)) << 2),
      hr = hp + ((<usize>(b * H)) << 2);
    const out = hout + ((<usize>(b * ldh)) << 2);
    let j = 0;
    if (hp) {
      for (; j + 4 <= H; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(out + o, f32x4.add(v128.load(xr + o), v128.load(hr + o)));
      }
      for (; j < H; j++) {
        const o = (<usize>j) << 2;
        store<f32>(out + o, load<f32>(xr + o) + load<f32>(hr + o));
      }
    } else {
      memory.copy(out, xr, (<usize>H) << 2);
    }
    act_span(act, out, H);
  }
}

export function rnn_bwd_step(
  B: i32,
  H: i32,
  h: usize,
  ldh: i32,
  dy: usize,
  ldy: i32,
  dcarry: usize,
  dg: usize,
  act: i32,
): void {
  for (let b = 0; b < B; b++) {
    const row = (<usize>(b * H)) << 2;
    const d = dg + row,
      c = dcarry + row,
      y = dy + ((<usize>(b * ldy)) << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      let v = v128.load(c + o);
      if (dy) v = f32x4.add(v, v128.load(y + o));
      v128.store(d + o, v);
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      let v = load<f32>(c + o);
      if (dy) v += load<f32>(y + o);
      store<f32>(d + o, v);
    }
    dact_span(act, h + ((<usize>(b * ldh)) << 2), d, H);
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      v128.store(d + o, vflush(v128.load(d + o)));
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      store<f32>(d + o, sflush(load<f32>(d + o)));
    }
  }
}
