/**
 * The facts about the repository that decide where hooks go. Git is asked with the inherited environment: this is
 * the user's own repository (GIT_DIR / GIT_WORK_TREE set by the user must be honoured), and argv arrays only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

export class InstallError extends Error {}

export interface RepoFacts {
  /** Top of the work tree: where hooks run and where .husky/ lives. */
  top: string;
  /** `git rev-parse --git-common-dir`, absolute: shared by linked worktrees (hooks, lfs/). */
  commonDir: string;
  /** The directory git runs hooks from (core.hooksPath respected), absolute. */
  hooksDir: string;
  /** core.hooksPath as configured, if any. */
  hooksPath: string | null;
  /** The husky directory (.husky) when core.hooksPath points into husky's, else null. */
  huskyDir: string | null;
}

function git(cwd: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.error) throw new InstallError(`cannot run git: ${r.error.message}`);
  return { code: r.status ?? 1, out: r.stdout.replace(/\n$/, ''), err: r.stderr.trim() };
}

/** Runs git in the repository and returns its stdout, or throws with git's message. */
export function gitOut(cwd: string, args: string[]): string {
  const r = git(cwd, args);
  if (r.code !== 0) throw new InstallError(`git ${args.join(' ')} failed: ${r.err || `exit ${r.code}`}`);
  return r.out;
}

/** A config value, or null when unset (exit 1). */
export function gitConfig(cwd: string, key: string): string | null {
  const r = git(cwd, ['config', '--get', key]);
  return r.code === 0 ? r.out : null;
}

/**
 * husky 9 sets core.hooksPath to `<dir>/_` (stubs it regenerates) and runs `<dir>/<hook>`; husky 4-8 set it to
 * `<dir>` itself. Either way the files we may edit are in `<dir>`, inside the work tree.
 */
function huskyDirOf(top: string, hooksDir: string, hooksPath: string | null): string | null {
  if (hooksPath === null) return null;
  const rel = relative(top, hooksDir);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  if (basename(hooksDir) === '_' && (existsSync(join(hooksDir, 'h')) || existsSync(join(hooksDir, 'husky.sh')) || basename(dirname(hooksDir)) === '.husky')) {
    return dirname(hooksDir);
  }
  if (basename(hooksDir) === '.husky') return hooksDir;
  return null;
}

export function repoFacts(cwd: string): RepoFacts {
  const inside = git(cwd, ['rev-parse', '--is-inside-work-tree']);
  if (inside.code !== 0 || inside.out !== 'true') {
    throw new InstallError('not inside a git work tree: run `modelscan-guard install` from a clone (bare repositories take server hooks, not these)');
  }
  const top = gitOut(cwd, ['rev-parse', '--show-toplevel']);
  // Relative answers are relative to the directory git ran in: ask from the top, resolve from the top.
  const commonDir = resolve(top, gitOut(top, ['rev-parse', '--git-common-dir']));
  const hooksDir = resolve(top, gitOut(top, ['rev-parse', '--git-path', 'hooks']));
  const hooksPath = gitConfig(top, 'core.hooksPath');
  return { top, commonDir, hooksDir, hooksPath, huskyDir: huskyDirOf(top, hooksDir, hooksPath) };
}
