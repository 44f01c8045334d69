/**
 * Runs HDF5 reads in one long-lived worker thread (worker.ts), one file at a time. A read that takes longer
 * than its timeout is killed with the worker (h5wasm can loop forever on hostile files); a read that aborts
 * the wasm module replaces the worker. Either way the caller gets an answer for that file and the next file
 * gets a fresh worker. The worker is unref'd while idle, so it never keeps the process alive.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { H5Reply, H5Request } from './protocol.js';

export type H5Outcome = H5Reply | { id: number; ok: false; message: string; fatal: true; timedOut: true };

/**
 * The compiled worker script. Tests run the TypeScript sources (vitest), but a worker thread needs
 * JavaScript: then the build's copy in dist/ is used (`npm test` builds first).
 */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  const path = fileURLToPath(here).replace(/([\\/])src([\\/]scanners[\\/]keras-h5[\\/])worker\.js$/, '$1dist$2worker.js');
  return pathToFileURL(path);
}

class H5Reader {
  private worker: Worker | null = null;
  private nextId = 1;
  /** Requests run one after another: the wasm module is single-threaded. */
  private tail: Promise<unknown> = Promise.resolve();

  read(path: string, attributes: string[], maxAttrBytes: number, timeoutMs: number): Promise<H5Outcome> {
    const run = this.tail.then(() => this.readNow({ id: this.nextId++, path, attributes, maxAttrBytes }, timeoutMs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private readNow(req: H5Request, timeoutMs: number): Promise<H5Outcome> {
    const worker = this.ensureWorker();
    worker.ref();
    return new Promise<H5Outcome>((resolve) => {
      const done = (outcome: H5Outcome, kill: boolean): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill || (!outcome.ok && outcome.fatal)) this.discard(worker);
        else worker.unref();
        resolve(outcome);
      };
      const onMessage = (reply: H5Reply): void => {
        if (reply.id === req.id) done(reply, false);
      };
      const onError = (err: Error): void => done({ id: req.id, ok: false, message: `HDF5 reader crashed: ${err.message}`, fatal: true }, true);
      const onExit = (code: number): void => done({ id: req.id, ok: false, message: `HDF5 reader exited (code ${code})`, fatal: true }, true);
      const timer = setTimeout(
        () => done({ id: req.id, ok: false, message: `HDF5 reader did not finish within ${timeoutMs} ms (killed)`, fatal: true, timedOut: true }, true),
        timeoutMs,
      );
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(req);
    });
  }

  /** Stops the worker (if any); the next read starts a fresh one. For embedders that want a clean shutdown. */
  close(): void {
    if (this.worker) this.discard(this.worker);
  }

  private ensureWorker(): Worker {
    if (!this.worker) {
      const w = new Worker(workerUrl());
      // A crash between requests must not reach the process as an unhandled 'error' event.
      w.on('error', () => this.discard(w));
      w.unref();
      this.worker = w;
    }
    return this.worker;
  }

  private discard(worker: Worker): void {
    if (this.worker === worker) this.worker = null;
    void worker.terminate().catch(() => undefined);
  }
}

let shared: H5Reader | null = null;

/** The process-wide reader (created on first use, so no worker starts unless an HDF5 file is seen). */
export function h5Reader(): H5Reader {
  shared ??= new H5Reader();
  return shared;
}
