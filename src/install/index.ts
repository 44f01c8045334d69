/**
 * `modelscan-guard install`: decides the target (native hooks or husky's files) and which hooks, then lets the
 * native/husky modules write them. The decisions, in one place:
 * - target: husky when asked (--husky) or when core.hooksPath points into husky's directory (git would never run
 *   .git/hooks, and husky regenerates its `_` directory, so writing there would be lost); native otherwise;
 * - hooks: the ones asked for, both by default;
 * - LFS: when the repository uses it (lfs.ts), the pre-push hook runs `git lfs pre-push` after the guard.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from './action.js';
import { installHusky, uninstallHusky } from './husky.js';
import { lfsSignals } from './lfs.js';
import { thisGuard } from './locate.js';
import { installNative, uninstallNative } from './native.js';
import { repoFacts } from './repo.js';
import type { GuardHook } from './scripts.js';

export type { Action } from './action.js';
export { InstallError } from './repo.js';

export interface InstallOptions {
  cwd: string;
  hooks: readonly GuardHook[];
  husky: boolean;
  uninstall: boolean;
}

export interface InstallReport {
  target: 'native' | 'husky';
  dir: string;
  lfs: string[];
  actions: Action[];
  notes: string[];
}

export function install(o: InstallOptions): InstallReport {
  const facts = repoFacts(o.cwd);
  const useHusky = o.husky || facts.huskyDir !== null;
  const dir = useHusky ? (facts.huskyDir ?? join(facts.top, '.husky')) : facts.hooksDir;
  const lfs = lfsSignals(facts);
  const notes: string[] = [];
  let actions: Action[];
  if (o.uninstall) {
    actions = useHusky ? uninstallHusky(dir, o.hooks) : uninstallNative(dir, o.hooks);
    if (lfs.length > 0 && !useHusky && actions.some((a) => a.path.endsWith('pre-push') && a.change === 'removed')) {
      notes.push("this repository uses Git LFS: run 'git lfs install' to put its own pre-push hook back");
    }
  } else if (useHusky) {
    actions = installHusky({ huskyDir: dir, hooks: o.hooks, lfs: lfs.length > 0 });
    if (facts.huskyDir === null) notes.push(`core.hooksPath does not point into ${dir}: run husky (npx husky) so that git uses these files`);
  } else {
    actions = installNative({ hooksDir: dir, hooks: o.hooks, guard: thisGuard(), lfs: lfs.length > 0 });
    // husky set up later would point core.hooksPath elsewhere, and git would silently stop running these hooks.
    if (existsSync(join(facts.top, '.husky'))) {
      notes.push('this repository has a .husky folder but core.hooksPath does not point into it: once husky is set up (npx husky), run install again');
    }
  }
  return { target: useHusky ? 'husky' : 'native', dir, lfs, actions, notes };
}
