/**
 * Does this repository use Git LFS? Decided at install time from local signals only. The system-wide filter that
 * Debian's git-lfs package writes into /etc/gitconfig is deliberately ignored: it is present on every repository
 * of the machine and says nothing about this one.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RepoFacts } from './repo.js';
import { readHook as read } from './write.js';

export const LFS_HOOKS = ['post-checkout', 'post-commit', 'post-merge'] as const;

const FILTER_LFS = /(^|\s)filter=lfs(\s|$)/m;

/** True when `text` (a hook or husky file) itself runs `git lfs <hook>`. */
export function callsLfs(text: string | null, hook: string): boolean {
  return text !== null && new RegExp(`git(-| )lfs ${hook}\\b`).test(text);
}

function attributeFiles(facts: RepoFacts): string[] {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--', '.gitattributes', ':(glob)**/.gitattributes'], { cwd: facts.top, encoding: 'utf8' });
  const tracked = r.status === 0 ? r.stdout.split('\0').filter(Boolean).map((p) => join(facts.top, p)) : [];
  // The top-level file may not be committed yet right after `git lfs track`.
  return [...new Set([join(facts.top, '.gitattributes'), ...tracked, join(facts.commonDir, 'info', 'attributes')])];
}

/** The reasons to believe the repository uses LFS; empty when it does not. */
export function lfsSignals(facts: RepoFacts): string[] {
  const reasons: string[] = [];
  for (const f of attributeFiles(facts)) {
    const t = read(f);
    if (t !== null && FILTER_LFS.test(t)) {
      reasons.push(`filter=lfs in ${f}`);
      break;
    }
  }
  if (existsSync(join(facts.top, '.lfsconfig'))) reasons.push('.lfsconfig');
  const cfg = spawnSync('git', ['config', '--local', '--name-only', '--get-regexp', '^(lfs|filter\\.lfs)\\.'], { cwd: facts.top, encoding: 'utf8' });
  if (cfg.status === 0 && cfg.stdout.trim() !== '') reasons.push('lfs settings in the repository config');
  if (existsSync(join(facts.commonDir, 'lfs'))) reasons.push(`${join(facts.commonDir, 'lfs')} exists`);
  for (const dir of new Set([facts.hooksDir, join(facts.commonDir, 'hooks')])) {
    for (const hook of ['pre-push', ...LFS_HOOKS]) {
      if (callsLfs(read(join(dir, hook)), hook)) {
        reasons.push(`git-lfs hook ${join(dir, hook)}`);
        break;
      }
    }
  }
  return reasons;
}
