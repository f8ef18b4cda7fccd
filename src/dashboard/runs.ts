// Run folders under --runs: found by walking the folder (symlinked folders are not followed), each named by its path
// relative to it (`my-forecast/2026-12-03T01-02-03`), with what its metrics.json, history.json and diagnosis.json say.
// An ensemble folder (ensemble.json, which predict, evaluate and export read as one model) is a run folder too, its
// test scores read from ensemble.json, and so is each of its members (member-1, ...).

import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { CONTENT_TYPES, realFolder } from './files.js';

/** How deep under --runs a run folder may be (runs/NAME/TIME is 2; a study's runs/STUDY/trial-N also 2). */
const MAX_DEPTH = 4;
/** The files that make a folder a run folder. */
const MARKERS = ['metrics.json', 'history.json', 'ensemble.json'];

export interface RunEntry {
  id: string;
  path: string;
  modified: string;
  files: string[];
}

async function entriesOf(dir: string): Promise<Dirent[]> {
  return readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
}

/**
 * Ids in order, numbers by value (trial-2 before trial-10). One collator for every comparison: localeCompare with
 * options builds one per call, and sorting the demo's 2,257 trial folders took 190 ms that way, 8 ms this way.
 */
const byId = new Intl.Collator('en', { numeric: true }).compare;

/**
 * The run folders under the real folder `real` that the walk reaches, unsorted. `into(name, depth)`: whether to walk
 * the subfolder `name` of a folder at `depth` (0: `real`) that the rules below allow; findRuns walks every one,
 * findRun only the one its id names at each depth, so both find a folder by the same rules.
 */
async function walkRuns(real: string, into: (name: string, depth: number) => boolean): Promise<RunEntry[]> {
  const out: RunEntry[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const ents = await entriesOf(dir);
    const names = ents.filter((e) => e.isFile()).map((e) => e.name);
    if (dir !== real && MARKERS.some((m) => names.includes(m))) {
      const s = await stat(dir);
      const files = names.filter((n) => Object.hasOwn(CONTENT_TYPES, n.slice(n.lastIndexOf('.')))).sort();
      out.push({ id: relative(real, dir).split(sep).join('/'), path: dir, modified: s.mtime.toISOString(), files });
      if (!names.includes('ensemble.json')) return; // an ensemble's members are run folders inside it
    }
    if (depth >= MAX_DEPTH) return;
    for (const e of ents)
      if (
        e.isDirectory() &&
        !e.name.startsWith('.') &&
        !e.name.includes('.partial-') &&
        e.name !== 'model' &&
        into(e.name, depth)
      )
        await walk(join(dir, e.name), depth + 1);
  };
  await walk(real, 0);
  return out;
}

/** Every run folder under `root` (its real path), sorted by id, numbers by value (trial-2 before trial-10). */
export async function findRuns(root: string | null): Promise<RunEntry[]> {
  const real = root ? realFolder(root) : null;
  if (!real) return [];
  return (await walkRuns(real, () => true)).sort((a, b) => byId(a.id, b.id));
}

/**
 * The run folder `id` under `root`, found as findRuns finds it, or null where findRuns lists no such id. It walks
 * down the id's path only: the folders of its names, one a depth (`..`, an empty name, one with a separator or a NUL
 * is no folder's name in a listing, so nothing outside `root` is reached). A run page polls its run: walking every
 * folder to find it took 203 ms at 2,257 trial folders, its path alone 3.5 ms (most of it the study folder's listing).
 */
export async function findRun(root: string | null, id: string): Promise<RunEntry | null> {
  const real = root ? realFolder(root) : null;
  const names = id.split('/');
  if (!real || names.length > MAX_DEPTH) return null;
  const found = await walkRuns(real, (name, depth) => name === names[depth]);
  return found.find((r) => r.id === id) ?? null;
}

/**
 * Whether a folder is a run folder of the list (one of MARKERS in it). An ensemble's linear-baseline member holds
 * only its model/: no page of its own, so the run page names it without a link (the link was a 'not found').
 */
export async function isRunFolder(dir: string): Promise<boolean> {
  const names = (await entriesOf(dir)).filter((e) => e.isFile()).map((e) => e.name);
  return MARKERS.some((m) => names.includes(m));
}

/** A JSON file of a run folder, parsed, or null when it is missing or not JSON. */
export async function readJson(dir: string, name: string): Promise<unknown> {
  const text = await readFile(join(dir, name), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    // a Keras-style history with NaN or Infinity tokens (a diverged run): those values become null
    try {
      return JSON.parse(text.replace(/-?\bInfinity\b|\bNaN\b/g, 'null'));
    } catch {
      return null;
    }
  }
}

type Scores = Record<string, unknown>;
interface EnsembleFile {
  method?: string;
  kept?: string;
  members?: { dir?: unknown; trial?: unknown }[];
  test?: {
    ensemble?: { scaled?: Scores; original?: Scores };
    members?: { scaled?: Scores; original?: Scores }[];
    baselines?: { scaled?: Record<string, Scores>; original?: Record<string, Scores> };
  };
}

/**
 * An ensemble's members as ensemble.json lists them, each with its folder and trial. A seqtune before 91140e9 wrote
 * members as {trial, params, val}, with no folder: it saved them as member-1, member-2, ... in that order (each a
 * model.json and weights.bin, no run folder). Read as they were, their folder was undefined and the list of runs
 * failed whole (500, 'The "path" argument must be of type string') where --runs held one such folder.
 */
function ensembleMembers(e: EnsembleFile): { dir: string; trial: number | null }[] {
  const members = Array.isArray(e.members) ? e.members : [];
  return members.map((m, i) => ({
    dir: typeof m?.dir === 'string' ? m.dir : `member-${i + 1}`,
    trial: typeof m?.trial === 'number' ? m.trial : null,
  }));
}

/**
 * An ensemble's test scores as a run's metrics.json has them: the ensemble as `model`, each member by its folder,
 * then the baselines (scaled and original units).
 */
function ensembleMetrics(e: EnsembleFile): Record<string, unknown> | null {
  const t = e.test;
  if (!t?.ensemble) return null;
  const split = (unit: 'scaled' | 'original') => ({
    model: t.ensemble?.[unit],
    ...Object.fromEntries(ensembleMembers(e).map((m, i) => [m.dir, t.members?.[i]?.[unit]])),
    ...t.baselines?.[unit],
  });
  return { test: { scaled: split('scaled'), original: split('original') } };
}

/**
 * The run list's entries (runJson without history, listedDiagnosis) by folder, kept while the folder's modification
 * time stays: a run folder is renamed into place whole, and a file added to it later (a study's plots) or replaced
 * whole changes its time. The Runs page polls the list every 3 s; read afresh each time, 1,329 trial folders took
 * 0.43 s and the dashboard 8-11% of a core (walk N).
 */
const listed = new Map<string, { modified: string; json: Record<string, unknown> }>();

/**
 * What a list entry says of its run's diagnosis: the pattern, all the Runs page shows of it. The whole diagnosis (its
 * evidence and advice) is for the run's own page (GET /api/runs/ID): in the list it made a demo trial's entry 6.7 KB
 * instead of 1.7 KB, a page of 50 runs 333 KB instead of 88 KB.
 */
function listedDiagnosis(d: unknown): { pattern: unknown } | null {
  return d !== null && typeof d === 'object' ? { pattern: (d as { pattern?: unknown }).pattern ?? null } : null;
}

/**
 * Each run's entry for the list of runs (no history, the diagnosis's pattern only), read again only for a folder that
 * changed. `all`: every run folder there is now (a page of the list passes its own runs and all of them); the others
 * are forgotten.
 */
export async function runList(
  runs: readonly RunEntry[],
  all: readonly RunEntry[] = runs,
): Promise<Record<string, unknown>[]> {
  const out = await Promise.all(
    runs.map(async (r) => {
      const had = listed.get(r.path);
      if (had?.modified === r.modified) return had.json;
      const { history: _h, diagnosis, ...run } = await runJson(r, { history: false });
      const json = { ...run, diagnosis: listedDiagnosis(diagnosis) };
      listed.set(r.path, { modified: r.modified, json });
      return json;
    }),
  );
  const now = new Set(all.map((r) => r.path));
  for (const path of listed.keys()) if (!now.has(path)) listed.delete(path);
  return out;
}

/** What the API says of one run folder: its files and the JSON it holds (an ensemble's: what ensemble.json says). */
export async function runJson(run: RunEntry, o: { history?: boolean } = {}): Promise<Record<string, unknown>> {
  // the list of runs (the Runs page polls it) shows no curves: history.json, the largest file, is for a run's page
  const history = o.history === false ? null : readJson(run.path, 'history.json');
  const [metrics, diagnosis, ens] = await Promise.all(
    ['metrics.json', 'diagnosis.json', 'ensemble.json'].map((n) => readJson(run.path, n)),
  );
  const e = ens as EnsembleFile | null;
  const ensemble = e
    ? {
        method: e.method ?? null,
        kept: e.kept ?? null,
        members: await Promise.all(
          ensembleMembers(e).map(async ({ dir, trial }) => ({
            dir,
            trial,
            run: await isRunFolder(join(run.path, dir)),
          })),
        ),
      }
    : null;
  return { ...run, metrics: metrics ?? (e ? ensembleMetrics(e) : null), history: await history, diagnosis, ensemble };
}
