// The only code that touches WebAssembly memory. One shared memory per engine, or (a training thread, see
// src/train/threads) several engines on one memory, one per thread, each with its own free lists and one bump
// pointer for all of them (a word at heap_base, moved with Atomics); typed kernel calls that check their arguments.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { MemoryLimitError, ValueError } from '../errors.js';

/** A span of f32 in engine memory. `ptr` is a byte offset, `length` counts floats. */
export interface Buf {
  readonly ptr: number;
  readonly length: number;
}

/** Raw kernel exports (byte pointers, f32 sizes); see src/engine/assembly for what each computes. */
export interface RawKernels {
  heap_base(): number;
  set_edge_scratch(p: number): void;
  pack_b(kc: number, N: number, B: number, ldb: number, transB: number, k0: number, dst: number, ps: number): void;
  gemm(
    M: number,
    N: number,
    K: number,
    A: number,
    lda: number,
    transA: number,
    B: number,
    ldb: number,
    transB: number,
    C: number,
    ldc: number,
    beta: number,
    work: number,
    bias: number,
  ): void;
  gemm_prepacked(
    M: number,
    N: number,
    K: number,
    A: number,
    lda: number,
    transA: number,
    Bp: number,
    C: number,
    ldc: number,
    beta: number,
    bias: number,
  ): void;
  scale_block(M: number, N: number, C: number, ldc: number, beta: number): void;
  act_span(id: number, x: number, n: number): void;
  dact_span(id: number, y: number, dy: number, n: number): void;
  act_rows(id: number, M: number, N: number, x: number, ld: number): void;
  dact_rows(id: number, M: number, N: number, y: number, ldy: number, dy: number, ldd: number): void;
  gru_fwd_step(
    B: number,
    H: number,
    xp: number,
    ldx: number,
    hp: number,
    bh: number,
    hprev: number,
    ldh: number,
    hout: number,
    g: number,
    act: number,
    ract: number,
  ): void;
  gru_bwd_step(
    B: number,
    H: number,
    g: number,
    hprev: number,
    ldh: number,
    dy: number,
    ldy: number,
    dcarry: number,
    dxp: number,
    dhp: number,
    act: number,
    ract: number,
    dbx: number,
    dbh: number,
  ): void;
  lstm_fwd_step(
    B: number,
    H: number,
    xp: number,
    hp: number,
    cprev: number,
    c: number,
    a: number,
    hout: number,
    ldh: number,
    g: number,
    act: number,
    ract: number,
  ): void;
  lstm_bwd_step(
    B: number,
    H: number,
    g: number,
    cprev: number,
    a: number,
    dy: number,
    ldy: number,
    dch: number,
    dcc: number,
    dg: number,
    act: number,
    ract: number,
  ): void;
  rnn_fwd_step(B: number, H: number, xp: number, hp: number, hout: number, ldh: number, act: number): void;
  rnn_bwd_step(
    B: number,
    H: number,
    h: number,
    ldh: number,
    dy: number,
    ldy: number,
    dcarry: number,
    dg: number,
    act: number,
  ): void;
  fill_rows(M: number, N: number, dst: number, ld: number, v: number): void;
  copy_rows(M: number, N: number, src: number, lds: number, dst: number, ldd: number): void;
  mul_rows(M: number, N: number, src: number, lds: number, mask: number, dst: number, ldd: number): void;
  add_rows(M: number, N: number, src: number, lds: number, dst: number, ldd: number): void;
  colsum(M: number, N: number, A: number, lda: number, out: number, beta: number): void;
  sumsq(x: number, n: number): number;
  sumabs(x: number, n: number): number;
  scale(x: number, n: number, s: number): void;
  axpy(n: number, a: number, x: number, y: number): void;
  scale_axpy_sumsq(n: number, s: number, y: number, a: number, x: number): number;
  zero(x: number, n: number): void;
  clamp(x: number, n: number, lo: number, hi: number): void;
  all_finite(x: number, n: number): number;
  reg_apply(p: number, g: number, n: number, l1: number, l2: number): number;
  sgd_step(
    p: number,
    g: number,
    buf: number,
    n: number,
    lr: number,
    mom: number,
    damp: number,
    nesterov: number,
    wd: number,
    first: number,
  ): void;
  adam_step(
    p: number,
    g: number,
    m: number,
    v: number,
    n: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    bc1: number,
    bc2: number,
    wd: number,
    decoupled: number,
  ): void;
  rmsprop_step(
    p: number,
    g: number,
    sq: number,
    buf: number,
    ga: number,
    n: number,
    lr: number,
    alpha: number,
    eps: number,
    mom: number,
    centered: number,
    wd: number,
  ): void;
  adagrad_step(p: number, g: number, sum: number, n: number, clr: number, eps: number, wd: number): void;
}

export type SimdLevel = 'relaxed-simd' | 'simd';

const PAGE = 65536;
const ALIGN = 64;
/** The most pages a memory may grow to (4 GiB); a shared memory declares its maximum when it is made. */
const MAX_PAGES = 65536;
/** The bytes a WebAssembly memory can hold (4 GiB): all the engine has, buffers of every thread together. */
export const MEMORY_LIMIT_BYTES = MAX_PAGES * PAGE;
/** K block of the GEMM kernel and its panel width; work buffers for gemm() hold KC * roundup(N, NR) floats
 * (and KC * M more when A is transposed). */
export const KC = 256;
export const NR = 8;
/** The GEMM's edge tile (4 x NR floats), one per engine: see set_edge_scratch in assembly/gemm.ts. */
const EDGE_TILE = 4 * NR;

function wasmPath(file: string): string {
  for (const rel of [`./${file}`, `../../dist/engine/${file}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new ValueError(`engine: ${file} not found next to the engine or in dist/engine; run "npm run build:wasm"`);
}

let relaxedFlagSet = false;
function compileKernels(prefer: SimdLevel): { module: WebAssembly.Module; simd: SimdLevel } {
  if (prefer === 'relaxed-simd') {
    // Node 20 keeps relaxed SIMD behind a flag; newer Node has it on. Set before compiling.
    if (!relaxedFlagSet) {
      try {
        setFlagsFromString('--experimental-wasm-relaxed-simd');
      } catch {
        /* flag unknown on newer V8 */
      }
      relaxedFlagSet = true;
    }
    const bytes = new Uint8Array(readFileSync(wasmPath('kernels.relaxed.wasm')));
    if (WebAssembly.validate(bytes)) return { module: new WebAssembly.Module(bytes), simd: 'relaxed-simd' };
  }
  return { module: new WebAssembly.Module(new Uint8Array(readFileSync(wasmPath('kernels.simd.wasm')))), simd: 'simd' };
}

/**
 * One WebAssembly instance with its memory. Buffers come from `alloc` and go back with `release`;
 * a released buffer is reused by the next request of the same size (or split, or merged with its free
 * neighbours, for other sizes), so a training loop that asks for the same shapes every step stops growing
 * memory after its first step.
 *
 * @example
 * import { getEngine } from 'seqtune/engine';
 * const e = getEngine();
 * const a = e.alloc(4); e.view(a).set([1, 2, 3, 4]);
 * e.k.scale(a.ptr, 4, 2); // a = [2, 4, 6, 8]
 */
export class Engine {
  readonly memory: WebAssembly.Memory;
  readonly k: RawKernels;
  readonly simd: SimdLevel;
  /** The bump pointer every engine on this memory allocates fresh blocks from (one word at heap_base). */
  private readonly top: Uint32Array;
  /** Free blocks by size (exact-size reuse first), and by start and end address (to merge neighbours). */
  private readonly free = new Map<number, Set<number>>();
  private readonly freeAt = new Map<number, number>();
  private readonly freeEnd = new Map<number, number>();
  /** Block size of every handed-out pointer (a reused block can be larger than its request). */
  private readonly sizes = new Map<number, number>();
  private readonly released = new Set<number>();
  /** Blocks stopped training threads gave back, by thread index, for the next thread of that index (park). */
  private readonly parked = new Map<number, [number, number][]>();
  private f32cache: Float32Array;
  /** Number of times memory has grown (a test reads it to show steady-state steps allocate nothing). */
  grows = 0;
  /** Number of fresh (not reused) allocations. */
  allocations = 0;

  /**
   * @param memory - the shared memory of another engine (a training thread's engine on the main thread's memory):
   *   the two allocate from one bump pointer, so their blocks never overlap, and each can run kernels on the other's
   *   buffers. Absent: a new shared memory.
   * @param blocks - free blocks of that memory to allocate from first (reclaim), [pointer, bytes].
   */
  constructor(prefer: SimdLevel = 'relaxed-simd', memory?: WebAssembly.Memory, blocks: [number, number][] = []) {
    const { module, simd } = compileKernels(prefer);
    this.simd = simd;
    this.memory = memory ?? sharedMemory();
    const instance = new WebAssembly.Instance(module, {
      env: {
        memory: this.memory,
        abort: () => {
          throw new Error('wasm abort');
        },
      },
    });
    this.k = instance.exports as unknown as RawKernels;
    const hdr = align(this.k.heap_base());
    this.top = new Uint32Array(this.memory.buffer, hdr, 1);
    if (!memory) Atomics.store(this.top, 0, hdr + ALIGN);
    this.f32cache = new Float32Array(this.memory.buffer);
    this.reclaim(blocks);
    this.k.set_edge_scratch(this.alloc(EDGE_TILE).ptr);
    this.allocations = 0; // the engine's own tile is not one of its users' allocations
  }

  /** A buffer of n floats (contents undefined unless zero is set). */
  alloc(n: number, zero = false): Buf {
    if (!Number.isInteger(n) || n < 0)
      throw new ValueError(`engine.alloc: expected a non-negative integer size, received ${n}`);
    const bytes = blockFloats(n) * 4;
    let ptr = this.takeFree(bytes);
    if (ptr === undefined) {
      ptr = this.takeTop(bytes);
      // Another engine on this memory may grow it meanwhile: grow until the block fits.
      for (let need = ptr + bytes - this.memory.buffer.byteLength; need > 0; ) {
        this.grow(need);
        need = ptr + bytes - this.memory.buffer.byteLength;
      }
      this.allocations++;
    }
    const buf: Buf = { ptr, length: n };
    this.sizes.set(ptr, bytes);
    this.released.delete(ptr);
    if (zero) this.view(buf).fill(0);
    return buf;
  }

  /**
   * A fresh block of `bytes` from the top of the memory; where this engine's free block ends at the top, the block
   * starts there and takes only the rest from the top (it was left behind: a buffer larger than the last one given
   * back grew the memory by all of its size). The top moves only if no other engine on this memory moved it meanwhile.
   */
  private takeTop(bytes: number): number {
    const top = Atomics.load(this.top, 0),
      start = this.freeEnd.get(top);
    const from = start ?? top;
    if (from + bytes > MAX_PAGES * PAGE) throw memoryLimit('a buffer', this.bytesInUse, bytes, this.largestRoom());
    if (start !== undefined && Atomics.compareExchange(this.top, 0, top, start + bytes) === top) {
      this.removeFree(start, top - start);
      return start;
    }
    if (top + bytes > MAX_PAGES * PAGE) throw memoryLimit('a buffer', this.bytesInUse, bytes, this.largestRoom());
    return Atomics.add(this.top, 0, bytes);
  }

  /** Grows memory by at least `need` bytes (by a quarter when that fits, to grow rarely). */
  private grow(need: number): void {
    const pages = (bytes: number) => Math.ceil(bytes / PAGE);
    const have = this.memory.buffer.byteLength;
    try {
      this.memory.grow(pages(Math.max(need, have / 4)));
    } catch {
      try {
        this.memory.grow(pages(need));
      } catch {
        throw memoryLimit('a buffer', have, need);
      }
    }
    this.grows++;
  }

  /**
   * Throws the MemoryLimitError that alloc would throw later when buffers of `blocks` bytes (each a block of
   * blockFloats, as the caller will ask for them) cannot all be allocated beside what is in use (fitsBlocks): a fit
   * asks before its first step for what its steps will take, so that a batch that cannot fit fails at once, not after
   * the data, the baselines and the first steps. `what` says what needs them, in the message; `threads`, what each
   * training thread's engine will allocate (fitsBlocks).
   */
  assertFits(blocks: readonly number[], what: string, threads: readonly (readonly number[])[] = []): void {
    if (!this.fitsBlocks(blocks, threads))
      throw memoryLimit(what, this.bytesInUse, sum(blocks) + sum(threads.map(sum)), this.largestRoom());
  }

  /**
   * The largest of `most`, its halves (rounded up) ... 1 whose buffers `blocks(n)` (bytes each) can be allocated
   * beside what is in use (at least 1): the batch that predict and evaluate take without a batch size
   * (Model.inferenceBatch) and check's network probe.
   */
  largestThatFits(most: number, blocks: (n: number) => readonly number[]): number {
    let n = Math.max(1, most);
    while (n > 1 && !this.fitsBlocks(blocks(n))) n = Math.ceil(n / 2);
    return n;
  }

  /**
   * Whether buffers of `blocks` bytes, asked for in that order, could all be allocated now, judged as alloc takes them:
   * each from the smallest free block of this engine that holds it (the rest of that block stays free), else from the
   * room the memory has left at the top (with the free block that ends there). The free bytes summed were counted as
   * one block before: with 375 MiB in use and 3000 MiB free in holes of 2 MiB, 1 GiB passed and its alloc threw. Then
   * the largest were placed first: a fit's gemm scratch and batch buffers, asked for first, split the one hole that
   * held its optimizer's state, and the second buffer of the state threw after the check had passed. `threads[i]`:
   * the buffers training thread i + 1 will allocate, in the blocks parked for that thread (park), merged as its engine
   * takes them, else from the same room at the top; they were counted in use and the thread's buffers at the top as
   * well, and a second fit on two threads near the limit was refused with the first's blocks waiting for it.
   */
  fitsBlocks(blocks: readonly number[], threads: readonly (readonly number[])[] = []): boolean {
    const top = Atomics.load(this.top, 0),
      atTop = this.freeEnd.get(top);
    const room = { left: MAX_PAGES * PAGE - (atTop ?? top) };
    const own = [...this.freeAt].filter(([ptr]) => ptr !== atTop).map(([, size]) => size);
    if (!place(blocks, own, room)) return false;
    return threads.every((b, i) => place(b, mergedSizes(this.parked.get(i + 1) ?? []), room));
  }

  /**
   * Keeps the blocks a stopped training thread gave back (ownedBlocks) for the next thread of that `index` on this
   * memory, which takes them with unpark: free for that thread's engine, not for this one, and counted so (bytesInUse,
   * fitsBlocks).
   */
  park(index: number, blocks: readonly [number, number][]): void {
    if (blocks.length) this.parked.set(index, [...(this.parked.get(index) ?? []), ...blocks]);
  }

  /** The blocks parked for training thread `index` (none when none are), handed over to its engine: no longer kept. */
  unpark(index: number): [number, number][] {
    const blocks = this.parked.get(index) ?? [];
    this.parked.delete(index);
    return blocks;
  }

  /** Bytes of the largest buffer alloc could make now: in this engine's largest free block, or at the top. */
  private largestRoom(): number {
    const top = Atomics.load(this.top, 0);
    let room = MAX_PAGES * PAGE - (this.freeEnd.get(top) ?? top);
    for (const size of this.freeAt.values()) room = Math.max(room, size);
    return room;
  }

  /**
   * Bytes of the memory in use: the high-water mark less the free blocks this engine can reuse and those parked for
   * training threads (park; another running engine's on this memory count as in use).
   */
  get bytesInUse(): number {
    let free = 0;
    for (const size of this.freeAt.values()) free += size;
    for (const blocks of this.parked.values()) for (const [, size] of blocks) free += size;
    return Atomics.load(this.top, 0) - free;
  }

  /** Gives a buffer back for reuse. */
  release(buf: Buf): void {
    const bytes = this.sizes.get(buf.ptr);
    if (bytes === undefined) throw new Error(`engine.release: ${buf.ptr} was never allocated`);
    if (this.released.has(buf.ptr)) throw new Error(`engine.release: buffer at ${buf.ptr} was already released`);
    this.released.add(buf.ptr);
    this.addFree(buf.ptr, bytes);
  }

  /**
   * A free block for `bytes`: one of exactly that size, else the smallest larger one, split (its rest stays free).
   * Freed neighbours are merged (addFree), so a study that builds models of many sizes one after another (timed
   * steps of each candidate, then an ensemble) reuses memory instead of growing it: blocks of one size only served
   * requests of that size before, and an ETTh1 h96 study's end step ran out of the 4 GiB a memory can hold.
   */
  private takeFree(bytes: number): number | undefined {
    let size = this.free.get(bytes)?.size ? bytes : Infinity;
    if (size === Infinity) for (const [s, set] of this.free) if (set.size && s > bytes && s < size) size = s;
    if (size === Infinity) return undefined;
    const ptr = this.free.get(size)!.values().next().value as number;
    this.removeFree(ptr, size);
    if (size > bytes) this.addFree(ptr + bytes, size - bytes);
    return ptr;
  }

  private removeFree(ptr: number, size: number): void {
    const set = this.free.get(size)!;
    set.delete(ptr);
    if (!set.size) this.free.delete(size);
    this.freeAt.delete(ptr);
    this.freeEnd.delete(ptr + size);
  }

  /** Puts a block on the free lists, merged with the free blocks just before and after it. */
  private addFree(ptr: number, size: number): void {
    const before = this.freeEnd.get(ptr);
    if (before !== undefined) {
      const s = this.freeAt.get(before)!;
      this.removeFree(before, s);
      ptr = before;
      size += s;
    }
    const after = this.freeAt.get(ptr + size);
    if (after !== undefined) {
      this.removeFree(ptr + size, after);
      size += after;
    }
    let set = this.free.get(size);
    if (!set) {
      set = new Set();
      this.free.set(size, set);
    }
    set.add(ptr);
    this.freeAt.set(ptr, size);
    this.freeEnd.set(ptr + size, ptr);
  }

  /**
   * Every block this engine took from the memory, in use or free, as [pointer, bytes]: what a training thread gives
   * back to the main thread's engine (reclaim) when it stops, since its free lists end with it.
   */
  ownedBlocks(): [number, number][] {
    const used = [...this.sizes].filter(([ptr]) => !this.released.has(ptr));
    return [...used, ...this.freeAt];
  }

  /**
   * Takes the blocks of an engine on this memory that has stopped (ownedBlocks) onto this engine's free lists, merged
   * with their free neighbours as release merges them: a thread that builds the same model asks for the same sizes in
   * the same order and cuts each from the front of the merged block where it was; kept each as it was, they served
   * no larger request, and a next thread that built a larger model grew the memory past all of them.
   */
  reclaim(blocks: readonly [number, number][]): void {
    for (const [ptr, bytes] of blocks) this.addFree(ptr, bytes);
  }

  /** The whole memory as f32 (re-made after growth). */
  get f32(): Float32Array {
    if (this.f32cache.buffer !== this.memory.buffer) this.f32cache = new Float32Array(this.memory.buffer);
    return this.f32cache;
  }

  /** A Float32Array over the buffer; valid until memory next grows. */
  view(buf: Buf, offset = 0, length = buf.length - offset): Float32Array {
    if (offset < 0 || length < 0 || offset + length > buf.length) {
      throw new ValueError(
        `engine.view: range [${offset}, ${offset + length}) outside a buffer of ${buf.length} floats`,
      );
    }
    const start = (buf.ptr >>> 2) + offset;
    return this.f32.subarray(start, start + length);
  }

  /** Bytes in use by the allocators of this memory (the high-water mark). */
  get bytesReserved(): number {
    return Atomics.load(this.top, 0);
  }
}

/** A new shared memory for an engine (the kernels declare theirs shared, so a plain one would not link). */
function sharedMemory(): WebAssembly.Memory {
  try {
    return new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
  } catch (e) {
    throw new ValueError(
      `engine: this JavaScript runtime cannot make a shared WebAssembly memory, which the kernels need (Node 16 and ` +
        `later can): ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/**
 * The one message of work that cannot fit (alloc's, grow's, assertFits'): `what` needs `more` bytes beside the `inUse`
 * it has, past the 4 GiB a memory can hold, and what to make smaller; within them, where the free bytes are in blocks
 * too small for its buffers, the `largest` block alloc could make (fragmentation: buffers in use between them).
 */
function memoryLimit(what: string, inUse: number, more: number, largest?: number): MemoryLimitError {
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const why =
    largest !== undefined && inUse + more <= MAX_PAGES * PAGE
      ? `${what} needs ${mib(more)} MiB beside the ${mib(inUse)} MiB in use, and the ` +
        `${mib(MAX_PAGES * PAGE - inUse)} MiB free of the 4096 MiB a WebAssembly memory can hold are in pieces too ` +
        `small for its buffers (the largest ${mib(largest)} MiB; buffers in use lie between them); `
      : `${what} needs ${mib(more)} MiB more than the ${mib(inUse)} MiB in use, ${mib(inUse + more)} MiB in all, ` +
        'over the 4096 MiB a WebAssembly memory can hold; ';
  return new MemoryLimitError(`engine: out of WebAssembly memory: ${why}use a smaller batch_size, lookback or model`);
}

/**
 * Places buffers of `blocks` bytes as fitsBlocks judges alloc would, in their order, each in the smallest of the free
 * blocks `holes` (bytes) that holds it, its rest left free, else in `room.left` at the top; false where one fits
 * in neither. `holes` is sorted and used up.
 */
function place(blocks: readonly number[], holes: number[], room: { left: number }): boolean {
  holes.sort((a, b) => a - b);
  for (const bytes of blocks) {
    const i = firstAtLeast(holes, bytes);
    if (i < holes.length) {
      const rest = holes[i]! - bytes;
      holes.splice(i, 1);
      if (rest > 0) holes.splice(firstAtLeast(holes, rest), 0, rest);
      continue;
    }
    room.left -= bytes;
    if (room.left < 0) return false;
  }
  return true;
}

/** Sizes of `blocks` ([pointer, bytes]) with neighbours merged, as an engine's free lists hold them (reclaim). */
function mergedSizes(blocks: readonly [number, number][]): number[] {
  const sizes: number[] = [];
  let end = -1;
  for (const [ptr, bytes] of [...blocks].sort((a, b) => a[0] - b[0])) {
    if (ptr === end) sizes[sizes.length - 1]! += bytes;
    else sizes.push(bytes);
    end = ptr + bytes;
  }
  return sizes;
}

/** The first index of ascending `xs` whose value is at least `x` (xs.length where none is). */
function firstAtLeast(xs: readonly number[], x: number): number {
  let lo = 0,
    hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const sum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Floats of the block alloc takes for a buffer of n floats (every block starts 64-byte aligned). */
export function blockFloats(n: number): number {
  return align(Math.max(n, 1) * 4) / 4;
}

let shared: Engine | undefined;
const preferred = (): SimdLevel => (process.env.SEQTUNE_SIMD === 'simd' ? 'simd' : 'relaxed-simd');

/** The engine of this thread, created on first use. */
export function getEngine(): Engine {
  if (!shared) shared = new Engine(preferred());
  return shared;
}

/**
 * Makes this thread's engine one on `memory`, another thread's engine memory (a training thread), before anything
 * asks for it, with free `blocks` of it to use first. Throws when this thread already has an engine.
 */
export function attachEngine(memory: WebAssembly.Memory, blocks: [number, number][] = []): Engine {
  if (shared) throw new Error('attachEngine: this thread already has an engine');
  shared = new Engine(preferred(), memory, blocks);
  return shared;
}
