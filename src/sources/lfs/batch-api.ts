/**
 * Fetching LFS objects from a server's Git LFS Batch API (docs/api/batch.md of git-lfs): one `download` batch
 * request, then each object's `basic` transfer href, streamed into a private temporary folder with the size
 * bounded by the pointer's and the sha256 checked before anything is scanned. Used by pre-receive when the
 * objects live behind an LFS server rather than in a directory (`--lfs-url`).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { directoryStore, type FetchRequest, type LfsStore } from './store.js';

const MEDIA_TYPE = 'application/vnd.git-lfs+json';
const MAX_BATCH_RESPONSE = 16 << 20;

interface BatchObject {
  oid: string;
  size: number;
  error?: { code: number; message: string };
  actions?: { download?: { href: string; header?: Record<string, string> } };
}

export interface BatchApiOptions {
  /** The LFS endpoint, e.g. https://git.example.com/group/repo.git/info/lfs */
  url: string;
  /** Extra headers for the batch request (e.g. Authorization). */
  headers?: Record<string, string>;
  /** Private folder the downloads go to; the caller creates and removes it. */
  dir: string;
}

/** A store whose objects are downloaded on demand into `dir` (git-lfs layout there). */
export function batchApiStore(opts: BatchApiOptions, fallback?: LfsStore): LfsStore {
  const local = directoryStore(opts.dir, 'git-lfs');
  return {
    description: fallback ? `${fallback.description}, then ${opts.url}` : opts.url,
    label: fallback ? `${fallback.label} nor on the LFS server` : 'the LFS server',
    missingAdvice: () => 'upload it with `git lfs push --all <remote> <branch>` and push again',
    lookup: (p) => {
      const here = fallback?.lookup(p);
      if (here && here.kind !== 'missing') return here;
      return local.lookup(p);
    },
    fetch: (requests) => fetchBatch(opts, requests),
  };
}

async function fetchBatch(opts: BatchApiOptions, requests: readonly FetchRequest[]): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  const fail = (oids: readonly string[], why: string) => {
    for (const o of oids) failures.set(o, why);
  };
  const oids = requests.map((r) => r.pointer.oid);
  let objects: BatchObject[];
  try {
    const res = await fetch(`${opts.url.replace(/\/$/, '')}/objects/batch`, {
      method: 'POST',
      headers: { Accept: MEDIA_TYPE, 'Content-Type': MEDIA_TYPE, ...opts.headers },
      body: JSON.stringify({ operation: 'download', transfers: ['basic'], objects: requests.map((r) => ({ oid: r.pointer.oid, size: r.pointer.size })), hash_algo: 'sha256' }),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (!res.ok) {
      fail(oids, `the LFS server answered ${res.status} to the batch request`);
      return failures;
    }
    if (text.length > MAX_BATCH_RESPONSE) throw new Error('batch response too large');
    const body = JSON.parse(text) as { objects?: BatchObject[] };
    if (!Array.isArray(body.objects)) throw new Error('batch response has no objects list');
    objects = body.objects;
  } catch (err) {
    fail(oids, `the LFS batch request failed: ${(err as Error).message}`);
    return failures;
  }
  for (const r of requests) {
    const { oid, size } = r.pointer;
    const o = objects.find((x) => x.oid === oid);
    const href = o?.actions?.download?.href;
    if (!o || o.error || !href) {
      failures.set(oid, o?.error ? `the LFS server has no usable copy (${o.error.code}: ${o.error.message})` : 'the LFS server offered no download');
      continue;
    }
    const why = await download(href, o.actions!.download!.header ?? {}, opts.dir, oid, size);
    if (why !== undefined) failures.set(oid, why);
  }
  return failures;
}

/** Streams one object to `<dir>/aa/bb/<oid>`; never more than `size` bytes; sha256 checked before it is kept. */
async function download(href: string, header: Record<string, string>, dir: string, oid: string, size: number): Promise<string | undefined> {
  const target = join(dir, oid.slice(0, 2), oid.slice(2, 4), oid);
  mkdirSync(join(dir, oid.slice(0, 2), oid.slice(2, 4)), { recursive: true, mode: 0o700 });
  const partial = `${target}.part`;
  const fd = openSync(partial, 'w', 0o600);
  let ok = false;
  try {
    const res = await fetch(href, { headers: header, signal: AbortSignal.timeout(30 * 60_000) });
    if (!res.ok || !res.body) return `downloading it failed with status ${res.status}`;
    const h = createHash('sha256');
    let got = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got += chunk.length;
      if (got > size) return `the LFS server sent more than the pointer's ${size} bytes`;
      h.update(chunk);
      writeSync(fd, chunk);
    }
    if (got !== size) return `the LFS server sent ${got} bytes, the pointer says ${size}`;
    const actual = h.digest('hex');
    if (actual !== oid) return `the downloaded content has sha256 ${actual}, not the pointer's ${oid}`;
    ok = true;
    return undefined;
  } catch (err) {
    return `downloading it failed: ${(err as Error).message}`;
  } finally {
    closeSync(fd);
    if (ok) renameSync(partial, target);
    else rmSync(partial, { force: true });
  }
}
