// One seeded generator for every random draw (initializers, dropout masks, shuffling), so the
// same seed gives bit-identical weights and training runs. xoshiro128** with a splitmix32 seeder.

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const r = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** A new generator derived from this one (for independent streams). */
  fork(): Rng {
    return new Rng(this.nextU32());
  }

  /** Fisher-Yates permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i]!;
      p[i] = p[j]!;
      p[j] = t;
    }
    return p;
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The random draws of one training step (dropout masks, noise), made so that they do not depend on how the batch is
 * split between threads: value f of row r of the c-th draw of the step (the row of sample `offset + r % B` of the
 * batch at timestep floor(r / B): time-major [T, B, width] or per sequence [B, width]) is a hash of (the step's seed,
 * c, that sample, that timestep, f). A training thread that trains samples 40-79 of a batch draws what one thread
 * training the whole batch draws for them; each layer draws in the same order on every thread.
 */
export class StepDraws {
  private seed = 0;
  private offset = 0;
  private call = 0;

  /** The seed of the step begun last (the main thread hands it to the training threads). */
  get stepSeed(): number {
    return this.seed;
  }

  /** Starts a step: its seed (drawn by the main thread) and the batch position of this thread's first sample. */
  begin(seed: number, offset: number): void {
    this.seed = seed >>> 0;
    this.offset = offset;
    this.call = 0;
  }

  /** The key of the step's next draw: (seed, call, salt) mixed; rowKey adds a row's sample and timestep to it. */
  private drawKey(salt: number): number {
    return fmix(this.seed ^ Math.imul(++this.call, 0x9e3779b9) ^ fmix(salt));
  }

  /** Row r's key in a draw: the sample at batch position offset + r % B, at timestep floor(r / B). */
  private rowKey(draw: number, B: number, r: number): number {
    return fmix(
      fmix(draw ^ Math.imul(this.offset + (r % B) + 1, 0x85ebca6b)) ^ Math.imul(Math.floor(r / B) + 1, 0xc2b2ae35),
    );
  }

  /** Fills v (rows of `width` values, see the class) with 0 where a uniform draw is below `rate`, else `keep`. */
  mask(v: Float32Array, B: number, width: number, rate: number, keep: number): void {
    const draw = this.drawKey(0);
    for (let r = 0, rows = v.length / width; r < rows; r++) {
      const k = this.rowKey(draw, B, r);
      for (let f = 0, at = r * width; f < width; f++)
        v[at + f] = fmix(k ^ Math.imul(f + 1, 0x27d4eb2f)) / 4294967296 < rate ? 0 : keep;
    }
  }

  /** Fills v (rows of `width` values) with N(0, stddev^2) draws (Box-Muller on two hashed uniforms), salted. */
  normal(v: Float32Array, B: number, width: number, stddev: number, salt = 0): void {
    const draw = this.drawKey(salt);
    for (let r = 0, rows = v.length / width; r < rows; r++) {
      const k = this.rowKey(draw, B, r);
      for (let f = 0, at = r * width; f < width; f++) {
        const u = (fmix(k ^ Math.imul(2 * f + 1, 0x27d4eb2f)) + 1) / 4294967297; // (0, 1): log(u) is finite
        const w = fmix(k ^ Math.imul(2 * f + 2, 0x27d4eb2f)) / 4294967296;
        v[at + f] = stddev * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
      }
    }
  }
}
