// The worker pool of a study with tune.jobs > 1: worker threads (worker.ts) that each run one trial at
// a time, with their own engine and their own storage connection.
import { Worker } from 'node:worker_threads';

/** What every worker is started with: the config, the study, where trials keep their models, the budget's end. */
export interface WorkerData {
  file: string;
  storage: string;
  study: string;
  runs?: string;
  deadline?: number;
}

/** Worker threads that each run one trial at a time (own engine, own storage connection). */
export class WorkerPool {
  private idle: Worker[] = [];
  private waiting: ((w: Worker) => void)[] = [];
  private constructor(private readonly workers: Worker[]) {
    this.idle = [...workers];
  }

  static async start(n: number, data: WorkerData): Promise<WorkerPool> {
    // From built code the worker is worker.js; from source (tests, tsx) a bootstrap registers tsx first.
    const fromSource = import.meta.url.endsWith('.ts');
    const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    const workers = await Promise.all(
      Array.from(
        { length: n },
        () =>
          new Promise<Worker>((res, rej) => {
            const w = fromSource
              ? new Worker(
                  `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
                  { eval: true, workerData: data },
                )
              : new Worker(url, { workerData: data });
            w.once('message', () => res(w));
            w.once('error', rej);
          }),
      ),
    );
    return new WorkerPool(workers);
  }

  async run(number: number): Promise<void> {
    const w = this.idle.pop() ?? (await new Promise<Worker>((res) => this.waiting.push(res)));
    await new Promise<void>((res, rej) => {
      const onMsg = () => {
        w.off('error', onErr);
        res();
      };
      const onErr = (e: Error) => {
        w.off('message', onMsg);
        rej(e);
      };
      w.once('message', onMsg);
      w.once('error', onErr);
      w.postMessage({ number });
    });
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
