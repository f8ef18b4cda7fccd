// Fused GRU timestep, reset-after formulation (PyTorch, cuDNN, Keras reset_after=True).
// Per row b of a batch, with gate blocks in PyTorch order r, z, n:
//   xp = x_t Wx + bx (B, 3H, rows ldx floats apart; computed for all t by one GEMM, in the layer straight into the
//   first 3H columns of g, which this step then overwrites in place: each value is read before its place is written)
//   hp = h_{t-1} Wh  (B, 3H, one GEMM per step; hp = 0 for the zero initial state)
//   r = ract(xp_r + hp_r + bh_r), z = ract(xp_z + hp_z + bh_z)
//   hn = hp_n + bh_n, n = act(xp_n + r * hn), h_t = (1 - z) n + z h_{t-1}
// g (B, 4H) keeps r, z, n, hn for the backward step.
import { act_span, vdact, sdact } from './act';
import { vflush, sflush } from './simd';

export function gru_fwd_step(
  B: i32,
  H: i32,
  xp: usize,
  ldx: i32,
  hp: usize,
  bh: usize,
  hprev: usize,
  ldh: i32,
  hout: usize,
  g: usize,
  act: i32,
  ract: i32,
): void {
  const H2 = 2 * H,
    H3 = 3 * H;
  for (let b = 0; b < B; b++) {
    const xr = xp + ((<usize>(b * ldx)) << 2);
    const hr = hp + ((<usize>(b * H3)) << 2);
    const gr = g + ((<usize>(b * 4 * H)) << 2);
    let j = 0;
    if (hp) {
      for (; j + 4 <= H2; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(gr + o, f32x4.add(f32x4.add(v128.load(xr + o), v128.load(hr + o)), v128.load(bh + o)));
      }
      for (; j < H2; j++) {
        const o = (<usize>j) << 2;
        store<f32>(gr + o, load<f32>(xr + o) + load<f32>(hr + o) + load<f32>(bh + o));
      }
    } else {
      for (; j + 4 <= H2; j += 4) {
        const o = (<usize>j) << 2;
        v128.store(gr + o, f32x4.add(v128.load(xr + o), v128.load(bh + o)));
      }
      for (; j < H2; j++) {
        const o = (<usize>j) << 2;
        store<f32>(gr + o, load<f32>(xr + o) + load<f32>(bh + o));
      }
    }
    act_span(ract, gr, H2);
    const n0 = (<usize>H2) << 2,
      hn0 = (<usize>H3) << 2;
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      let hn = v128.load(bh + n0 + o);
      if (hp) hn = f32x4.add(hn, v128.load(hr + n0 + o));
      v128.store(gr + hn0 + o, hn);
      v128.store(gr + n0 + o, f32x4.add(v128.load(xr + n0 + o), f32x4.mul(v128.load(gr + o), hn)));
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      let hn = load<f32>(bh + n0 + o);
      if (hp) hn += load<f32>(hr + n0 + o);
      store<f32>(gr + hn0 + o, hn);
      store<f32>(gr + n0 + o, load<f32>(xr + n0 + o) + load<f32>(gr + o) * hn);
    }
    act_span(act, gr + n0, H);
    const z0 = (<usize>H) << 2;
    const hrow = hout + ((<usize>(b * ldh)) << 2);
    const prow = hprev + ((<usize>(b * ldh)) << 2);
    j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      const z = v128.load(gr + z0 + o),
        n = v128.load(gr + n0 + o);
      const hpv = hprev ? v128.load(prow + o) : f32x4.splat(0);
      v128.store(hrow + o, f32x4.add(n, f32x4.mul(z, f32x4.sub(hpv, n))));
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      const z = load<f32>(gr + z0 + o),
        n = load<f32>(gr + n0 + o);
      const hpv: f32 = hprev ? load<f32>(prow + o) : 0;
      store<f32>(hrow + o, n + z * (hpv - n));
    }
  }
}

// Backward of one step. dh = dcarry + dy_t (dy may be 0: no gradient from the output at t).
//   dn = dh (1 - z), dz = dh (h_{t-1} - n), dh_{t-1} (direct) = dh z
//   dpre_n = dn act'(n); dxp_n = dpre_n; dhp_n = dpre_n r; dr = dpre_n hn
//   dpre_r = dr ract'(r), dpre_z = dz ract'(z); dxp_{r,z} = dhp_{r,z} = dpre_{r,z}
// dcarry (B, H) is overwritten with the direct part; the caller adds dhp Wh^T. With dbx (and dbh) not 0, each row's
// dxp (and dhp) is added to them, one row after the other (colsum's sums, to the bit), while the row is at hand: the
// biases' gradients without reading dxp and dhp back. dhp 0 writes no dhp (the first step, where dhp feeds only dbh).
export function gru_bwd_step(
  B: i32,
  H: i32,
  g: usize,
  hprev: usize,
  ldh: i32,
  dy: usize,
  ldy: i32,
  dcarry: usize,
  dxp: usize,
  dhp: usize,
  act: i32,
  ract: i32,
  dbx: usize,
  dbh: usize,
): void {
  const H3 = 3 * H;
  const z0 = (<usize>H) << 2,
    n0 = (<usize>(2 * H)) << 2,
    hn0 = (<usize>H3) << 2;
  const one = f32x4.splat(1);
  for (let b = 0; b < B; b++) {
    const gr = g + ((<usize>(b * 4 * H)) << 2);
    const prow = hprev + ((<usize>(b * ldh)) << 2);
    const yrow = dy + ((<usize>(b * ldy)) << 2);
    const crow = dcarry + ((<usize>(b * H)) << 2);
    const xr = dxp + ((<usize>(b * H3)) << 2);
    const hr = dhp + ((<usize>(b * H3)) << 2);
    let j = 0;
    for (; j + 4 <= H; j += 4) {
      const o = (<usize>j) << 2;
      let dh = v128.load(crow + o);
      if (dy) dh = f32x4.add(dh, v128.load(yrow + o));
      const r = v128.load(gr + o),
        z = v128.load(gr + z0 + o),
        n = v128.load(gr + n0 + o),
        hn = v128.load(gr + hn0 + o);
      const hpv = hprev ? v128.load(prow + o) : f32x4.splat(0);
      const dpn = f32x4.mul(f32x4.mul(dh, f32x4.sub(one, z)), vdact(act, n));
      const dz = f32x4.mul(f32x4.mul(dh, f32x4.sub(hpv, n)), vdact(ract, z));
      const dr = f32x4.mul(f32x4.mul(dpn, hn), vdact(ract, r));
      const fr = vflush(dr),
        fz = vflush(dz),
        fn = vflush(dpn);
      const fh = vflush(f32x4.mul(dpn, r));
      v128.store(crow + o, vflush(f32x4.mul(dh, z)));
      v128.store(xr + o, fr);
      v128.store(xr + z0 + o, fz);
      v128.store(xr + n0 + o, fn);
      if (dhp) {
        v128.store(hr + o, fr);
        v128.store(hr + z0 + o, fz);
        v128.store(hr + n0 + o, fh);
      }
      if (dbx) {
        v128.store(dbx + o, f32x4.add(v128.load(dbx + o), fr));
        v128.store(dbx + z0 + o, f32x4.add(v128.load(dbx + z0 + o), fz));
        v128.store(dbx + n0 + o, f32x4.add(v128.load(dbx + n0 + o), fn));
      }
      if (dbh) {
        v128.store(dbh + o, f32x4.add(v128.load(dbh + o), fr));
        v128.store(dbh + z0 + o, f32x4.add(v128.load(dbh + z0 + o), fz));
        v128.store(dbh + n0 + o, f32x4.add(v128.load(dbh + n0 + o), fh));
      }
    }
    for (; j < H; j++) {
      const o = (<usize>j) << 2;
      let dh = load<f32>(crow + o);
      if (dy) dh += load<f32>(yrow + o);
      const r = load<f32>(gr + o),
        z = load<f32>(gr + z0 + o),
        n = load<f32>(gr + n0 + o),
        hn = load<f32>(gr + hn0 + o);
      const hpv: f32 = hprev ? load<f32>(prow + o) : 0;
      const dpn = dh * (1 - z) * sdact(act, n);
      const dz = dh * (hpv - n) * sdact(ract, z);
      const dr = dpn * hn * sdact(ract, r);
      const fr = sflush(dr),
        fz = sflush(dz),
        fn = sflush(dpn);
      const fh = sflush(dpn * r);
      store<f32>(crow + o, sflush(dh * z));
      store<f32>(xr + o, fr);
      store<f32>(xr + z0 + o, fz);
      store<f32>(xr + n0 + o, fn);
      if (dhp) {
        store<f32>(hr + o, fr);
        store<f32>(hr + z0 + o, fz);
        store<f32>(hr + n0 + o, fh);
      }
      if (dbx) {
        store<f32>(dbx + o, load<f32>(dbx + o) + fr);
        store<f32>(dbx + z0 + o, load<f32>(dbx + z0 + o) + fz);
        store<f32>(dbx + n0 + o, load<f32>(dbx + n0 + o) + fn);
      }
      if (dbh) {
        store<f32>(dbh + o, load<f32>(dbh + o) + fr);
        store<f32>(dbh + z0 + o, load<f32>(dbh + z0 + o) + fz);
        store<f32>(dbh + n0 + o, load<f32>(dbh + n0 + o) + fh);
      }
    }
  }
}
