/**
 * The local LFS object store: `<store>/<oid[0:2]>/<oid[2:4]>/<oid>` (git-recipes 1.1). Checking the file directly
 * never touches the network (a hook must not hang on a download: git-recipes 7.3); fetching is an explicit choice
 * (`lfs.missing: fetch`) and asks git-lfs for exactly the missing objects.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Repo } from '../git/repo.js';
import { gitAsync } from '../git/run.js';
import { formatPointer, type LfsPointer } from './pointer.js';

export type StoreLookup =
  | { kind: 'present'; file: string }
  | { kind: 'missing'; file: string }
  /** Present but not what the pointer describes: a corrupt or tampered store. */
  | { kind: 'mismatch'; file: string; reason: string };

export function objectPath(storeDir: string, oid: string): string {
  return join(storeDir, oid.slice(0, 2), oid.slice(2, 4), oid);
}

export function lookupObject(repo: Repo, p: LfsPointer): StoreLookup {
  const file = objectPath(repo.lfsObjects, p.oid);
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { kind: 'mismatch', file, reason: 'the store entry is not a regular file' };
    size = st.size;
  } catch {
    return { kind: 'missing', file };
  }
  if (size !== p.size) return { kind: 'mismatch', file, reason: `the stored object has ${size} bytes, the pointer says ${p.size}` };
  return { kind: 'present', file };
}

/** Streams the file through sha256 (only when the config asks: it costs a full read of the object). */
export async function sha256OfFile(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface FetchRequest {
  pointer: LfsPointer;
  /** Repository path, for git-lfs's messages and its lfs.fetchinclude rules. */
  path: string;
}

/**
 * Downloads exactly these objects into the local store. `git lfs smudge` with the pointer on stdin fetches one
 * object and caches it (git-recipes 7.3); its stdout (the content) is discarded. GIT_LFS_SKIP_SMUDGE would turn
 * it into an echo of the pointer, so it is cleared. Returns the messages of the fetches that failed.
 */
export async function fetchObjects(repo: Repo, requests: readonly FetchRequest[]): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  for (const r of requests) {
    try {
      await gitAsync(['lfs', 'smudge', '--', r.path], { cwd: repo.cwd, env: { GIT_LFS_SKIP_SMUDGE: undefined }, input: formatPointer(r.pointer), discardStdout: true });
    } catch (err) {
      failures.set(r.pointer.oid, err instanceof Error ? err.message.split('\n')[0]! : String(err));
    }
  }
  return failures;
}
