// The registered kernel set: everything the TypeScript side may call. One file per family.
export { pack_b, gemm, gemm_prepacked, scale_block, set_edge_scratch, KC, NR } from './gemm';
export { act_span, dact_span, act_rows, dact_rows } from './act';
export { gru_fwd_step, gru_bwd_step } from './gru';
export { lstm_fwd_step, lstm_bwd_step } from './lstm';
export { rnn_fwd_step, rnn_bwd_step } from './rnn';
export {
  fill_rows,
  copy_rows,
  mul_rows,
  add_rows,
  colsum,
  sumsq,
  sumabs,
  scale,
  axpy,
  scale_axpy_sumsq,
  zero,
  clamp,
  all_finite,
  reg_apply,
} from './vec';
export { sgd_step, adam_step, rmsprop_step, adagrad_step } from './optim';

/** First free byte after static data: the TypeScript allocator starts here. */
export function heap_base(): usize {
  return __heap_base;
}
