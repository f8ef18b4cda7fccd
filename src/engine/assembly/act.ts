// Activations by id, applied in place on contiguous spans, and their derivatives written in
// terms of the activation's OUTPUT y (every activation here allows that), so backward passes
// never need the pre-activation.
//   0 linear      y = x                      y' = 1
//   1 sigmoid     y = 1/(1+e^-x)             y' = y(1-y)
//   2 hard_sigmoid y = clip(x/6 + 1/2, 0, 1) y' = 1/6 inside (0,1), else 0   (Keras 3, PyTorch)
//   3 tanh        y = tanh x                 y' = 1 - y^2
//   4 relu        y = max(0, x)              y' = [y > 0]
//   5 softsign    y = x/(1+|x|)              y' = (1-|y|)^2
//   6 elu         y = x if x>0 else e^x - 1  y' = 1 if y>0 else y+1
import { vexp, vsigmoid, vtanh } from './simd';

export const LINEAR = 0,
  SIGMOID = 1,
  HARD_SIGMOID = 2,
  TANH = 3,
  RELU = 4,
  SOFTSIGN = 5,
  ELU = 6;

@inline
export function vact(id: i32, x: v128): v128 {
  switch (id) {
    case SIGMOID:
      return vsigmoid(x);
    case HARD_SIGMOID:
      return f32x4.pmin(
        f32x4.pmax(f32x4.add(f32x4.mul(x, f32x4.splat(1.0 / 6.0)), f32x4.splat(0.5)), f32x4.splat(0)),
        f32x4.splat(1),
      );
    case TANH:
      return vtanh(x);
    case RELU:
      return f32x4.pmax(x, f32x4.splat(0));
    case SOFTSIGN:
      return f32x4.div(x, f32x4.add(f32x4.splat(1), f32x4.abs(x)));
    case ELU:
      return v128.bitselect(x, f32x4.sub(vexp(x), f32x4.splat(1)), f32x4.gt(x, f32x4.splat(0)));
    default:
      return x;
  }
}

@inline
export function sact(id: i32, x: f32): f32 {
  switch (id) {
    case SIGMOID:
      return 1 / (1 + Mathf.exp(-x));
    case HARD_SIGMOID:
      return min<f32>(max<f32>(x / 6 + 0.5, 0), 1);
    case TANH:
      return Mathf.tanh(x);
    case RELU:
      return max<f32>(x, 0);
    case SOFTSIGN:
      return x / (1 + Mathf.abs(x));
    case ELU:
      return x > 0 ? x : Mathf.exp(x) - 1;
    default:
      return x;
  }
}

/** dy/dx as a function of y. */
@inline
export function vdact(id: i32, y: v128): v128 {
  const one = f32x4.splat(1),
    zero = f32x4.splat(0);
  switch (id) {
    case SIGMOID:
      return f32x4.mul(y, f32x4.sub(one, y));
    case HARD_SIGMOID:
      return v128.and(f32x4.splat(1.0 / 6.0), v128.and(f32x4.gt(y, zero), f32x4.lt(y, one)));
    case TANH:
      return f32x4.sub(one, f32x4.mul(y, y));
    case RELU:
      return v128.and(one, f32x4.gt(y, zero));
    case SOFTSIGN: {
      const t = f32x4.sub(one, f32x4.abs(y));
      return f32x4.mul(t, t);
    }
    case ELU:
      return v128.bitselect(one, f32x4.add(y, one), f32x4.gt(y, zero));
    default:
      return one;
  }
}

@inline
export function sdact(id: i32, y: f32): f32 {
  switch (id) {
    case SIGMOID:
      return y * (1 - y);
    case HARD_SIGMOID:
      return y > 0 && y < 1 ? <f32>(1.0 / 6.0) : 0;
    case TANH:
      return 1 - y * y;
    case RELU:
      return y > 0 ? 1 : 0;
    case SOFTSIGN: {
      const t: f32 = 1 - Mathf.abs(y);
      return t * t;
    }
    case ELU:
      return y > 0 ? 1 : y + 1;
    default:
      return 1;
  }
}

// One loop per activation (the switch is outside the loop, so each loop body is straight-line SIMD).
@inline
function act_loop(id: i32, x: usize, n: i32): void {
  let i = 0;
  // Four independent vectors per iteration: a sigmoid or tanh is one long dependency chain
  // (~70 cycles), and the out-of-order window alone overlaps too few iterations to hide it.
  for (; i + 16 <= n; i += 16) {
    const y0 = vact(id, v128.load(x)),
      y1 = vact(id, v128.load(x, 16));
    const y2 = vact(id, v128.load(x, 32)),
      y3 = vact(id, v128.load(x, 48));
    v128.store(x, y0);
    v128.store(x, y1, 16);
    v128.store(x, y2, 32);
    v128.store(x, y3, 48);
    x += 64;
  }
  for (; i + 4 <= n; i += 4) {
    v128.store(x, vact(id, v128.load(x)));
    x += 16;
  }
  for (; i < n; i++) {
    store<f32>(x, sact(id, load<f32>(x)));
    x += 4;
  }
}

@inline
function dact_loop(id: i32, y: usize, dy: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(dy, f32x4.mul(v128.load(dy), vdact(id, v128.load(y))));
    y += 16;
    dy += 16;
  }
  for (; i < n; i++) {
    store<f32>(dy, load<f32>(dy) * sdact(id, load<f32>(y)));
    y += 4;
    dy += 4;
  }
}

/** In place: x[i] = act(x[i]) for n contiguous floats. */
export function act_span(id: i32, x: usize, n: i32): void {
  switch (id) {
    case SIGMOID:
      act_loop(SIGMOID, x, n);
      break;
    case HARD_SIGMOID:
      act_loop(HARD_SIGMOID, x, n);
      break;
    case TANH:
      act_loop(TANH, x, n);
      break;
    case RELU:
      act_loop(RELU, x, n);
      break;
    case SOFTSIGN:
      act_loop(SOFTSIGN, x, n);
      break;
    case ELU:
      act_loop(ELU, x, n);
      break;
    default:
      break;
  }
}

/** In place: dy[i] *= act'(y[i]) for n contiguous floats. */
export function dact_span(id: i32, y: usize, dy: usize, n: i32): void {
  switch (id) {
    case SIGMOID:
      dact_loop(SIGMOID, y, dy, n);
      break;
    case HARD_SIGMOID:
      dact_loop(HARD_SIGMOID, y, dy, n);
      break;
    case TANH:
      dact_loop(TANH, y, dy, n);
      break;
    case RELU:
      dact_loop(RELU, y, dy, n);
      break;
    case SOFTSIGN:
      dact_loop(SOFTSIGN, y, dy, n);
      break;
    case ELU:
      dact_loop(ELU, y, dy, n);
      break;
    default:
      break;
  }
}

/** Rows of a strided matrix: act in place on M rows of N with leading dimension ld. */
export function act_rows(id: i32, M: i32, N: i32, x: usize, ld: i32): void {
  for (let i = 0; i < M; i++) act_span(id, x + ((<usize>(i * ld)) << 2), N);
}

/** dy (M x N, ld ldd) *= act'(y) (M x N, ld ldy). */
export function dact_rows(id: i32, M: i32, N: i32, y: usize, ldy: i32, dy: usize, ldd: i32): void {
  for (let i = 0; i < M; i++) dact_span(id, y + ((<usize>(i * ldy)) << 2), dy + ((<usize>(i * ldd)) << 2), N);
}
