// Turns the readings' pattern scores into calibrated probabilities: a temperature on the scores
// (p_i^(1/T), renormalised), fitted on the development part of the labelled corpus only so that a
// confidence means what it says (of the diagnoses given with confidence >= 0.8, at least 95% right).
import type { PatternId } from './types.js';

export const CALIBRATION = {
  /** Temperature: > 1 softens over-sure scores, < 1 sharpens timid ones. */
  temperature: 1.5,
  /** Floor every pattern keeps (no reading of a curve is ever certain). */
  floor: 0.002,
};

export function calibrated(p: Record<PatternId, number>): Record<PatternId, number> {
  const out = { ...p };
  let sum = 0;
  for (const k of Object.keys(out) as PatternId[]) {
    out[k] = Math.max(out[k], 0) ** (1 / CALIBRATION.temperature) + CALIBRATION.floor;
    sum += out[k];
  }
  for (const k of Object.keys(out) as PatternId[]) out[k] = +(out[k] / sum).toFixed(4);
  return out;
}

/** Patterns by probability, most likely first (ties in PATTERNS order). */
export function ranked(p: Record<PatternId, number>): [PatternId, number][] {
  return (Object.entries(p) as [PatternId, number][]).sort((a, b) => b[1] - a[1]);
}
