// The standard speed workloads (../shared/bench/workloads.json when present, else the copy here).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Workload {
  id: string;
  cell: 'gru' | 'lstm';
  layers: number;
  H: number;
  T: number;
  F: number;
  B: number;
  N: number;
}

export function loadWorkloads(): Workload[] {
  const shared = fileURLToPath(new URL('../../shared/bench/workloads.json', import.meta.url));
  const local = fileURLToPath(new URL('./workloads.json', import.meta.url));
  const file = existsSync(shared) ? shared : local;
  return (JSON.parse(readFileSync(file, 'utf8')) as { workloads: Workload[] }).workloads;
}

/** Deterministic standard-normal data for a workload (the same for every peer that reads it). */
export function workloadData(w: Workload, seed = 0): { x: Float32Array; y: Float32Array } {
  let s = (seed + 0x9e3779b9) >>> 0;
  const u = () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return ((s >>> 8) + 0.5) / 16777216;
  };
  const n = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const x = new Float32Array(w.N * w.T * w.F),
    y = new Float32Array(w.N);
  for (let i = 0; i < x.length; i++) x[i] = n();
  for (let i = 0; i < y.length; i++) y[i] = n();
  return { x, y };
}
