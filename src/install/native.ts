/**
 * Hooks in the directory git runs them from (.git/hooks, or core.hooksPath). Our files are whole scripts; a
 * foreign hook found in their place is renamed to `<hook>.local` and chained by ours, never overwritten.
 */
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from './action.js';
import { callsLfs, LFS_HOOKS } from './lfs.js';
import { InstallError } from './repo.js';
import { nativeGuardHook, nativeLfsHook, NATIVE_MARK, type GuardHook } from './scripts.js';
import type { GuardLocation } from './shell.js';
import { readHook as read, writeHook } from './write.js';

/** Ours = line 2 carries the mark (a mark further down could be a user's copy-paste). */
export function isOurs(text: string | null): boolean {
  return text !== null && text.split('\n', 3)[1]?.startsWith(NATIVE_MARK) === true;
}

export interface NativeInstall {
  hooksDir: string;
  hooks: readonly GuardHook[];
  guard: GuardLocation;
  lfs: boolean;
}

function installGuardHook(dir: string, hook: GuardHook, o: NativeInstall): Action {
  const path = join(dir, hook);
  const local = `${path}.local`;
  let current = read(path);
  let note: string | undefined;
  if (existsSync(path) && !isOurs(current)) {
    if (existsSync(local)) {
      throw new InstallError(`${path} is not ours and ${local} already exists: merge them by hand (or move one away), then install again`);
    }
    renameSync(path, local);
    current = null;
    note = `the previous hook is kept as ${hook}.local and runs from ours`;
  }
  // When the chained hook already calls git-lfs (typically it *is* git-lfs's hook), a second call would only
  // repeat the upload check; otherwise an LFS repository needs ours.
  const lfs = hook === 'pre-push' && o.lfs && !callsLfs(read(local), 'pre-push');
  try {
    const changed = writeHook(path, nativeGuardHook(hook, { guard: o.guard, lfs }), current);
    return { path, change: current === null ? 'created' : changed ? 'updated' : 'unchanged', ...(note ? { note } : {}) };
  } catch (err) {
    if (note !== undefined) renameSync(local, path); // put the user's hook back as it was
    throw err;
  }
}

/** git-lfs's post-* hooks, only where none exists (an existing one is the user's or git-lfs's: left alone). */
function ensureLfsHook(dir: string, hook: string): Action {
  const path = join(dir, hook);
  const current = read(path);
  if (current !== null && !isOurs(current)) return { path, change: 'kept', note: callsLfs(current, hook) ? 'already calls git lfs' : 'not ours: left as it is' };
  const changed = writeHook(path, nativeLfsHook(hook), current);
  return { path, change: current === null ? 'created' : changed ? 'updated' : 'unchanged' };
}

export function installNative(o: NativeInstall): Action[] {
  mkdirSync(o.hooksDir, { recursive: true }); // core.hooksPath may name a directory nobody created yet
  const actions = o.hooks.map((h) => installGuardHook(o.hooksDir, h, o));
  if (o.lfs && o.hooks.includes('pre-push')) for (const h of LFS_HOOKS) actions.push(ensureLfsHook(o.hooksDir, h));
  return actions;
}

/** Removes our files and puts a chained `<hook>.local` back in place. */
export function uninstallNative(hooksDir: string, hooks: readonly string[]): Action[] {
  const actions: Action[] = [];
  for (const hook of hooks) {
    const path = join(hooksDir, hook);
    if (!isOurs(read(path))) continue;
    rmSync(path);
    if (existsSync(`${path}.local`)) {
      renameSync(`${path}.local`, path);
      actions.push({ path, change: 'restored', note: `the previous hook is back from ${hook}.local` });
    } else actions.push({ path, change: 'removed' });
  }
  return actions;
}
