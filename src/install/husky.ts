/**
 * husky's files (.husky/<hook>): shell snippets that husky 9 runs with `sh -e` (husky 4-8 let git run them). They
 * are the user's, committed and shared: we add or refresh one marked block (block.ts) and leave the rest alone.
 */
import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from './action.js';
import { outside, split, withBlock, withoutBlock } from './block.js';
import { callsLfs, LFS_HOOKS } from './lfs.js';
import { InstallError } from './repo.js';
import { huskyGuardBlock, huskyLfsBlock, type GuardHook } from './scripts.js';
import { readHook as read, writeHook } from './write.js';

export interface HuskyInstall {
  huskyDir: string;
  hooks: readonly GuardHook[];
  lfs: boolean;
}

/** A new file gets a shebang: husky 9 ignores it, husky 4-8 (git runs the file itself) need it. */
function setBlock(path: string, body: string): Action {
  const current = read(path);
  let next: string;
  try {
    next = withBlock(current ?? '#!/usr/bin/env sh\n', body);
  } catch (err) {
    throw new InstallError(`${path}: ${(err as Error).message}`);
  }
  const changed = writeHook(path, next, current);
  return { path, change: current === null ? 'created' : changed ? 'updated' : 'unchanged' };
}

export function installHusky(o: HuskyInstall): Action[] {
  mkdirSync(o.huskyDir, { recursive: true });
  const actions: Action[] = [];
  for (const hook of o.hooks) {
    const path = join(o.huskyDir, hook);
    const current = read(path);
    // The user may already call git lfs pre-push further down (it gets the same stdin back from our block).
    const lfs = hook === 'pre-push' && o.lfs && !callsLfs(current === null ? null : outside(current), 'pre-push');
    actions.push(setBlock(path, huskyGuardBlock(hook, lfs)));
  }
  if (o.lfs && o.hooks.includes('pre-push')) {
    for (const hook of LFS_HOOKS) {
      const path = join(o.huskyDir, hook);
      const current = read(path);
      if (current !== null && callsLfs(outside(current), hook)) actions.push({ path, change: 'kept', note: 'already calls git lfs' });
      else actions.push(setBlock(path, huskyLfsBlock(hook)));
    }
  }
  return actions;
}

/** Removes our blocks; a file left with nothing of the user's goes. */
export function uninstallHusky(huskyDir: string, hooks: readonly string[]): Action[] {
  const actions: Action[] = [];
  for (const hook of hooks) {
    const path = join(huskyDir, hook);
    const current = read(path);
    if (current === null || split(current).block === null) continue;
    const next = withoutBlock(current);
    if (next === null) {
      rmSync(path); // nothing of the user's was in it: we created it
      actions.push({ path, change: 'removed' });
    } else {
      const mode = statSync(path).mode & 0o777;
      writeFileSync(path, next);
      chmodSync(path, mode);
      actions.push({ path, change: 'updated', note: 'our block removed' });
    }
  }
  return actions;
}
