// Renders a diagnosis for people: text, and the curves with the best epoch and the window where the
// pattern was read marked (as plain chart info for the SVG and terminal renderers).
import { stringify as stringifyYaml } from 'yaml';
import type { ChartInfo } from '../plot/index.js';
import { lossChart } from '../plot/index.js';
import type { Diagnosis } from './diagnose.js';
import type { LossHistory } from './history.js';
import type { Trend } from './trend.js';
import type { Evidence } from './types.js';

export function diagnosisChart(h: LossHistory, d: Diagnosis, title: string): ChartInfo {
  const finite = h.loss!.concat(h.val_loss ?? []).filter((v) => Number.isFinite(v) && v > 0);
  const lo = finite.reduce((a, b) => Math.min(a, b), Infinity),
    hi = finite.reduce((a, b) => Math.max(a, b), -Infinity);
  const logY = finite.length > 1 && hi / lo > 30;
  const info = lossChart(h, {
    title: `${title}: ${d.name} (confidence ${d.confidence.toFixed(2)})`,
    logY,
    bestEpoch: d.evidence.bestEpoch,
  });
  const [a, b] = d.evidence.window;
  info.bands = [{ from: a + 1, to: b, label: 'read here' }];
  return info;
}

export function diagnosisText(d: Diagnosis, source: string): string {
  const e = d.evidence;
  const lines = [
    `${source}: ${d.name} [${d.pattern}], confidence ${d.confidence.toFixed(2)}` +
      `${d.trainOnly ? ' (training loss only)' : ''}; ` +
      `runner-up ${d.runner_up.pattern} (${d.runner_up.confidence.toFixed(2)})`,
    `  ${d.summary}`,
    `  evidence: ${e.epochs} epoch${e.epochs === 1 ? '' : 's'}, ` +
      `best ${e.bestLoss.toPrecision(4)} at epoch ${e.bestEpoch + 1}` +
      (e.gap !== null && Number.isFinite(e.gap) ? `, generalization gap ${(100 * e.gap).toFixed(0)}%` : '') +
      (e.train ? `, noise ${(100 * e.train.noise).toFixed(1)}%` : ''),
    '  what to try next:',
    ...d.advice.map(
      (a, i) => `   ${i + 1}. ${a.text}${a.values ? `   [${a.param}: ${a.values.map(asInConfig).join(', ')}]` : ''}`,
    ),
  ];
  return lines.join('\n');
}

/**
 * A suggested value as a config file writes it (YAML flow style): `{monitor: val_loss, patience: 3}`, not JSON's
 * `{"monitor":"val_loss","patience":3}`; a name bare, quoted only where YAML needs it. An object met twice is
 * written twice, not as a YAML anchor and alias (`kernel_regularizer: &a1 {l2: 0.0001}`, then `*a1`, in the layers
 * of the advice to stack a regularized layer).
 */
const asInConfig = (v: unknown): string =>
  stringifyYaml(v, {
    collectionStyle: 'flow',
    flowCollectionPadding: false,
    lineWidth: 0,
    aliasDuplicateObjects: false,
  }).trimEnd();

/** A trend with its window as 1-based epochs [from, to], both included. */
const trendFrom1 = (t: Trend | null): Trend | null => (t && t.from !== undefined ? { ...t, from: t.from + 1 } : t);
const pairFrom1 = <P extends { train: Trend; val: Trend | null }>(p: P | null | undefined): P | null | undefined =>
  p ? { ...p, train: trendFrom1(p.train)!, val: trendFrom1(p.val) } : p;

/**
 * The evidence as the JSON output shows it: epochs counted from 1, as the text and Keras' CSVLogger
 * count them (bestEpoch, firstNonFinite and notFinite 1-based; window and each trend's from/to the 1-based epochs
 * [from, to], both included).
 */
export function evidenceFrom1(e: Evidence): Evidence {
  return {
    ...e,
    train: trendFrom1(e.train),
    val: trendFrom1(e.val),
    whole: pairFrom1(e.whole) ?? undefined,
    sinceBest: e.sinceBest === undefined ? undefined : (pairFrom1(e.sinceBest) as Evidence['sinceBest']),
    window: [e.window[0] + 1, e.window[1]],
    bestEpoch: e.bestEpoch + 1,
    firstNonFinite: e.firstNonFinite === null ? null : e.firstNonFinite + 1,
    ...(e.notFinite ? { notFinite: e.notFinite.map((i) => i + 1) } : {}),
    ...(e.valley ? { valley: { ...e.valley, bottom: e.valley.bottom + 1 } } : {}),
  };
}
