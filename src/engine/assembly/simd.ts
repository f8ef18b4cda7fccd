// Shared SIMD helpers: fused multiply-add (relaxed SIMD when the build enables it) and a
// vectorised exp (Cephes expf: range reduction by ln2, degree-5 polynomial, 2^n via exponent bits;
// relative error about 2e-7 on [-87, 88]).

@inline
export function fma(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Constants as a table in memory: V8 rebuilds an f32x4.splat of a constant with three
// instructions on every loop iteration, while a v128.load from a fixed address is one.
// biome-ignore format: one row per constant vector, its byte offset in the comment
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
  9.0, 9.0, 9.0, 9.0,                                               // 240 tanh clamp
  -9.0, -9.0, -9.0, -9.0,                                           // 256
  -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, -2.76076847742355e-16, // 272 alpha13
  2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13, 2.00018790482477e-13,     // 288 alpha11
  -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, -8.60467152213735e-11, // 304 alpha9
  5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08, 5.12229709037114e-08,     // 320 alpha7
  1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05, 1.48572235717979e-05,     // 336 alpha5
  6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04, 6.37261928875436e-04,     // 352 alpha3
  4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03, 4.89352455891786e-03,     // 368 alpha1
  1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06, 1.19825839466702e-06,     // 384 beta6
  1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04, 1.18534705686654e-04,     // 400 beta4
  2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03, 2.26843463243900e-03,     // 416 beta2
  4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03, 4.89352518554385e-03,     // 432 beta0
  0.5, 0.5, 0.5, 0.5,                                               // 448 half
  -1.0, -1.0, -1.0, -1.0,                                           // 464 minus one
], 16);

@inline
export function vone(): v128 {
  return v128.load(C, 192);
}

// Gradients carried back through many timesteps decay geometrically; once they reach the subnormal
// range (< 1.2e-38) every multiply on them takes a microcode assist (~100x slower on x86), and
// WebAssembly cannot switch on flush-to-zero. The backward kernels flush magnitudes below 1e-30 to 0
// instead: far below anything that moves a weight, and it keeps subnormals out of the GEMMs.
@inline
export function vflush(x: v128): v128 {
  return v128.and(x, f32x4.ge(f32x4.abs(x), v128.load(C, 224)));
}
@inline
export function sflush(x: f32): f32 {
  return abs<f32>(x) < 1e-30 ? 0 : x;
}

@inline
export function vexp(x: v128): v128 {
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

// tanh as a 13/6-degree rational function on [-9, 9] (outside it tanh is +-1 in f32): the
// interpolant Eigen and MLAS use, accurate to a few ulp; one division and ten FMAs, about half
// the work of the exp-based form. The result is clamped to [-1, 1] so that 1 - y^2 >= 0.
@inline
export function vtanh(x: v128): v128 {
  x = f32x4.pmax(f32x4.pmin(x, v128.load(C, 240)), v128.load(C, 256));
  const x2 = f32x4.mul(x, x);
  let p = fma(x2, v128.load(C, 272), v128.load(C, 288));
  p = fma(x2, p, v128.load(C, 304));
  p = fma(x2, p, v128.load(C, 320));
  p = fma(x2, p, v128.load(C, 336));
  p = fma(x2, p, v128.load(C, 352));
  p = fma(x2, p, v128.load(C, 368));
  p = f32x4.mul(x, p);
  let q = fma(x2, v128.load(C, 384), v128.load(C, 400));
  q = fma(x2, q, v128.load(C, 416));
  q = fma(x2, q, v128.load(C, 432));
  const y = f32x4.div(p, q);
  return f32x4.pmax(f32x4.pmin(y, v128.load(C, 192)), v128.load(C, 464));
}

// sigmoid(x) = (1 + tanh(x/2)) / 2.
@inline
export function vsigmoid(x: v128): v128 {
  const h = v128.load(C, 448);
  return fma(vtanh(f32x4.mul(x, h)), h, h);
}
