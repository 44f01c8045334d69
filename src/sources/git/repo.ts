/**
 * The repository the guard runs in: where its top level, common dir and LFS store are. Resolved once per run.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { GitError, gitSync, gitText } from './run.js';

/** The empty tree's id, for diffs against an unborn branch (sha1 repositories). */
export const EMPTY_TREE_SHA1 = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
export const EMPTY_TREE_SHA256 = '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321';

export interface Repo {
  /** Where git commands run (the top level, or the bare repository). */
  cwd: string;
  /** Work tree top level; undefined in a bare repository. */
  top?: string;
  /** `git rev-parse --git-common-dir`, absolute: shared by linked worktrees, holds the LFS store and our cache. */
  commonDir: string;
  bare: boolean;
  /** 40 for sha1 repositories, 64 for sha256 ones. */
  oidLength: number;
  /** `<lfs storage>/objects`: the local LFS object store. */
  lfsObjects: string;
}

export class NotARepositoryError extends Error {}

export function openRepo(cwd: string): Repo {
  let lines: string[];
  try {
    lines = gitText(['rev-parse', '--is-bare-repository', '--git-common-dir', '--show-object-format'], { cwd }).split('\n');
  } catch (err) {
    if (err instanceof GitError) throw new NotARepositoryError(`not inside a git repository (${cwd}): ${err.stderr.trim()}`);
    throw err;
  }
  const [bareText, commonRel, format] = lines;
  const bare = bareText === 'true';
  const commonDir = resolve(cwd, commonRel ?? '.git');
  let top: string | undefined;
  if (!bare) top = gitText(['rev-parse', '--show-toplevel'], { cwd });
  // lfs.storage moves the store; relative values are relative to the git dir (git-lfs docs, git-recipes 1.4).
  const storage = gitSync(['config', '--get', 'lfs.storage'], { cwd, okCodes: [1] }).stdout.toString('utf8').trim();
  const lfsRoot = storage === '' ? join(commonDir, 'lfs') : isAbsolute(storage) ? storage : resolve(commonDir, storage);
  return { cwd: top ?? cwd, top, commonDir, bare, oidLength: format === 'sha256' ? 64 : 40, lfsObjects: join(lfsRoot, 'objects') };
}

/**
 * The top level of the work tree around `cwd`, or `cwd` itself outside one (no repository, a bare one, inside
 * .git, no git installed): where commands discover their config. One git call where openRepo() makes three.
 */
export function topLevelOrCwd(cwd: string): string {
  try {
    return gitText(['rev-parse', '--show-toplevel'], { cwd });
  } catch (err) {
    if (err instanceof GitError) return cwd;
    throw err;
  }
}

export function zeroOid(repo: Repo): string {
  return '0'.repeat(repo.oidLength);
}

export function emptyTree(repo: Repo): string {
  return repo.oidLength === 64 ? EMPTY_TREE_SHA256 : EMPTY_TREE_SHA1;
}

/** Resolves a revision to an object id, or undefined when it does not exist locally. */
export function resolveRev(repo: Repo, rev: string, peel = '^{commit}'): string | undefined {
  const r = gitSync(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}${peel}`], { cwd: repo.cwd, okCodes: [1, 128] });
  return r.code === 0 ? r.stdout.toString('utf8').trim() : undefined;
}
