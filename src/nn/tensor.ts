// Host-side tensors: row-major Float32Array data with a shape. Samples come first: x (N, T, F), y (N, out) or
// (N, T, out).
import { ShapeError } from '../errors.js';

export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

/**
 * Wraps data with a shape (data length must equal the shape's product).
 * @example
 * import { tensor } from 'seqtune';
 * tensor([1, 2, 3, 4], [2, 2, 1])
 */
export function tensor(data: ArrayLike<number>, shape: readonly number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0))
    throw new ShapeError(`tensor: invalid shape [${shape.join(', ')}]`);
  if (data.length !== n)
    throw new ShapeError(`tensor: shape [${shape.join(', ')}] needs ${n} values, received ${data.length}`);
  return { data: data instanceof Float32Array ? data : Float32Array.from(data), shape: [...shape] };
}
