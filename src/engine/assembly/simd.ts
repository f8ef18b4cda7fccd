// Shared SIMD helpers: fused multiply-add (relaxed SIMD when the build enables it) and a
// vectorised exp (Cephes expf: range reduction by ln2, degree-5 polynomial, 2^n via exponent bits;
// relative error about 2e-7 on [-87, 88]).

@inline export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Constants as a table in memory: V8 rebuilds an f32x4.splat of a constant with three
// instructions on every loop iteration, while a v128.load from a fixed address is one.
const C = memory.data<f32>([
  -87.0, -87.0, -87.0, -87.0,                                       //   0 lower clamp
  88.0, 88.0, 88.0, 88.0,                                           //  16 upper clamp
  12582912.0, 12582912.0, 12582912.0, 12582912.0,                   //  32 1.5*2^23 rounding magic
  1.44269504088896341, 1.44269504088896341, 1.44269504088896341, 1.44269504088896341, // 48 log2(e)
  0.693359375, 0.693359375, 0.693359375, 0.693359375,               //  64 ln2 high part
  -2.12194440e-4, -2.12194440e-4, -2.12194440e-4, -2.12194440e-4,   //  80 ln2 low part
  1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, 1.9875691500e-4, //  96 p0
  1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, 1.3981999507e-3, // 112 p1
  8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, 8.3334519073e-3, // 128 p2
  4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, 4.1665795894e-2, // 144 p3
  1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, 1.6666665459e-1, // 160 p4
  5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, 5.0000001201e-1, // 176 p5
  1.0, 1.0, 1.0, 1.0,                                               // 192 one
  2.0, 2.0, 2.0, 2.0,                                               // 208 two
  1e-30, 1e-30, 1e-30, 1e-30,                                       // 224 flush threshold
], 16);

@inline export function vone(): v128 { return v128.load(C, 192); }

// Gradients carried back through many timesteps decay geometrically; once they reach the subnormal
// range (< 1.2e-38) every multiply on them takes a microcode assist (~100x slower on x86), and
// WebAssembly cannot switch on flush-to-zero. The backward kernels flush magnitudes below 1e-30 to 0
// instead: far below anything that moves a weight, and it keeps subnormals out of the GEMMs.
@inline export function vflush(x: v128): v128 { return v128.and(x, f32x4.ge(f32x4.abs(x), v128.load(C, 224))); }
@inline export function sflush(x: f32): f32 { return abs<f32>(x) < 1e-30 ? 0 : x; }

@inline export function vexp(x: v128): v128 {
  // pmin/pmax map to single minps/maxps (and keep NaN when x is the first operand).
  x = f32x4.pmin(f32x4.pmax(x, v128.load(C, 0)), v128.load(C, 16));
  // n = round(x / ln2) with the 1.5*2^23 trick: adding it rounds to an integer kept in the low mantissa bits.
  const magic = v128.load(C, 32);
  const t = fma(x, v128.load(C, 48), magic);
  const fx = f32x4.sub(t, magic);
  let r = f32x4.sub(x, f32x4.mul(fx, v128.load(C, 64)));
  r = f32x4.sub(r, f32x4.mul(fx, v128.load(C, 80)));
  let y = v128.load(C, 96);
  y = fma(y, r, v128.load(C, 112));
  y = fma(y, r, v128.load(C, 128));
  y = fma(y, r, v128.load(C, 144));
  y = fma(y, r, v128.load(C, 160));
  y = fma(y, r, v128.load(C, 176));
  y = fma(y, f32x4.mul(r, r), f32x4.add(r, v128.load(C, 192)));
  // 2^n: n sits in the low bits of t (biased by 0x4B400000); shift it into the exponent field.
  const pow2 = i32x4.shl(i32x4.add(i32x4.sub(t, magic), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

@inline export function vsigmoid(x: v128): v128 {
  const one = v128.load(C, 192);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

@inline export function vtanh(x: v128): v128 {
  // tanh(x) = 1 - 2 / (exp(2x) + 1); exact limits at +-inf, absolute error ~1e-7 near 0.
  const one = v128.load(C, 192);
  const e = vexp(f32x4.add(x, x));
  return f32x4.sub(one, f32x4.div(v128.load(C, 208), f32x4.add(e, one)));
}
