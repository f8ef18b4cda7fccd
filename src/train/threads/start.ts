// Starting a worker thread from a module of this package (tuning trials, training threads): from built code the
// module is the .js file; from source (tests, tsx) an eval'd bootstrap registers tsx in the thread first.
import { type ResourceLimits, Worker } from 'node:worker_threads';

/** The URL of a sibling module of `from` (an import.meta.url), .ts when running from source and .js when built. */
export function siblingModule(from: string, name: string): URL {
  return new URL(`./${name}${from.endsWith('.ts') ? '.ts' : '.js'}`, from);
}

/** A worker thread running the module at `url` with `workerData`. */
export function startThread(url: URL, workerData: unknown, resourceLimits?: ResourceLimits): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData, resourceLimits });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(boot, { eval: true, workerData, resourceLimits });
}
