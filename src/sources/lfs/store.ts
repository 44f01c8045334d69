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

/**
 * How a store lays out objects: git-lfs's own `aa/bb/<oid>` (also what a push over file:// writes into a bare
 * repository's lfs/objects), or GitLab's shared/lfs-objects and Gitea's data/lfs, `aa/bb/<oid without its first 4>`.
 */
export const STORE_LAYOUTS = ['git-lfs', 'gitlab'] as const;
export type StoreLayout = (typeof STORE_LAYOUTS)[number];

export function objectPath(storeDir: string, oid: string, layout: StoreLayout = 'git-lfs'): string {
  return join(storeDir, oid.slice(0, 2), oid.slice(2, 4), layout === 'gitlab' ? oid.slice(4) : oid);
}

/** Where LFS objects are looked up, and (for some stores) how missing ones are fetched. */
export interface LfsStore {
  /** For messages: where objects were looked for. */
  readonly description: string;
  /** For messages: "the local store", "the server's LFS store". */
  readonly label: string;
  /** What to do about a missing object, for the summary. */
  readonly missingAdvice: (path: string) => string;
  lookup(p: LfsPointer): StoreLookup;
  /** Downloads these objects so that lookup finds them; undefined when this store cannot fetch. */
  fetch?(requests: readonly FetchRequest[]): Promise<Map<string, string>>;
}

/** The repository's own store; fetches through git-lfs. */
export function localStore(repo: Repo): LfsStore {
  return {
    description: repo.lfsObjects,
    label: 'the local store',
    missingAdvice: (path) => `fetch it with \`git lfs fetch --include=${JSON.stringify(path)}\` (or set lfs.missing to "fetch")`,
    lookup: (p) => lookupIn(objectPath(repo.lfsObjects, p.oid), p),
    fetch: (requests) => fetchObjects(repo, requests),
  };
}

/** A store directory on the server (the repository's lfs/objects, GitLab's or Gitea's shared store). */
export function directoryStore(dir: string, layout: StoreLayout): LfsStore {
  return {
    description: `${dir} (${layout} layout)`,
    label: "the server's LFS store",
    missingAdvice: () => 'upload it with `git lfs push --all <remote> <branch>` and push again (pushing with --no-verify, or from a clone without git-lfs hooks, skips the upload)',
    lookup: (p) => lookupIn(objectPath(dir, p.oid, layout), p),
  };
}

export function lookupObject(repo: Repo, p: LfsPointer): StoreLookup {
  return lookupIn(objectPath(repo.lfsObjects, p.oid), p);
}

function lookupIn(file: string, p: LfsPointer): StoreLookup {
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
