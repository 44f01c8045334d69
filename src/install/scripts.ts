/**
 * The text of the hooks. Native hooks are whole files we own (marked on line 2); husky hooks are blocks inside the
 * user's files (block.ts). All of it is POSIX sh; see shell.ts for quoting.
 */
import { guardFunction, requireGitLfs, type GuardLocation } from './shell.js';

/** Line 2 of every native hook file we write: how we recognise our own file on re-install and uninstall. */
export const NATIVE_MARK = '# modelscan-guard:managed';

export type GuardHook = 'pre-commit' | 'pre-push';

export interface NativeOptions {
  guard: GuardLocation;
  /** Run `git lfs pre-push` after the guard (the repository uses LFS and no chained hook does it already). */
  lfs: boolean;
}

function header(hook: string, what: string): string[] {
  return [
    '#!/bin/sh',
    `${NATIVE_MARK} ${hook}: written by \`modelscan-guard install\`; run it again to update, \`--uninstall\` to remove.`,
    `# ${what}`,
  ];
}

/** The git-lfs call with the same argv and stdin; `feed` replays the saved stdin. */
function lfsPrePush(feed: string): string[] {
  return [requireGitLfs('pre-push'), `${feed} | git lfs pre-push "$@" || exit $?`];
}

/**
 * .git/hooks/pre-commit. A previous hook (kept as pre-commit.local) runs first and the guard last: formatters and
 * lint-staged re-stage files, and the guard must judge the index that is actually committed.
 */
function nativePreCommit(o: NativeOptions): string {
  return [
    ...header('pre-commit', 'Scans the staged blobs (the index, not the work tree) and blocks the commit on a finding.'),
    guardFunction(o.guard),
    'here=$(dirname "$0")',
    '# A hook that was here before is kept next to this one and chained: same arguments, same stdin, its failure blocks.',
    'if [ -x "$here/pre-commit.local" ]; then "$here/pre-commit.local" "$@" || exit $?; fi',
    'modelscan_guard staged || exit $?',
    'exit 0',
    '',
  ].join('\n');
}

/**
 * .git/hooks/pre-push. The guard runs first: whatever runs before it (git-lfs, or a chained hook that calls it)
 * would already have uploaded the LFS objects of a push that is then blocked. git writes the ref lines on stdin
 * once; every command gets the same copy.
 */
function nativePrePush(o: NativeOptions): string {
  return [
    ...header('pre-push', 'Scans the blobs the push would publish (LFS objects resolved) and blocks the push on a finding.'),
    guardFunction(o.guard),
    'here=$(dirname "$0")',
    'input=$(cat)',
    'feed() { if [ -n "$input" ]; then printf \'%s\\n\' "$input"; fi; }',
    'feed | modelscan_guard pre-push "$@" || exit $?',
    '# A hook that was here before is kept next to this one and chained: same arguments, same stdin, its failure blocks.',
    'if [ -x "$here/pre-push.local" ]; then feed | "$here/pre-push.local" "$@" || exit $?; fi',
    ...(o.lfs ? ['# Git LFS uploads its objects from this hook; only after the guard allowed the push.', ...lfsPrePush('feed')] : []),
    'exit 0',
    '',
  ].join('\n');
}

export function nativeGuardHook(hook: GuardHook, o: NativeOptions): string {
  return hook === 'pre-commit' ? nativePreCommit(o) : nativePrePush(o);
}

/**
 * post-checkout / post-commit / post-merge for an LFS repository that lacks them: `git lfs install` refuses to
 * write any of its hooks once a foreign pre-push exists (ours), so we write the same calls it would have.
 */
export function nativeLfsHook(hook: string): string {
  return [...header(hook, `Git LFS's ${hook} hook, as \`git lfs install\` would write it.`), requireGitLfs(hook), `git lfs ${hook} "$@"`, ''].join('\n');
}

/**
 * Block for .husky/<hook> (husky runs these files with `sh -e`, node_modules/.bin on PATH). No recorded absolute
 * paths: the file is committed and shared, so the guard is found on PATH or through npx.
 */
export function huskyGuardBlock(hook: GuardHook, lfs: boolean): string {
  const find = guardFunction({});
  if (hook === 'pre-commit') {
    // At the top, so that no `exit 0` further down the user's file can skip it.
    return [find, 'modelscan_guard staged || exit $?'].join('\n');
  }
  return [
    find,
    '# git writes the ref lines on stdin once: keep them, give each command the same copy, and hand them back to the',
    '# rest of this file (which may read them too).',
    'modelscan_guard_input=$(cat)',
    'modelscan_guard_feed() { if [ -n "$modelscan_guard_input" ]; then printf \'%s\\n\' "$modelscan_guard_input"; fi; }',
    'modelscan_guard_feed | modelscan_guard pre-push "$@" || exit $?',
    ...(lfs
      ? [
          "# husky's core.hooksPath hides git-lfs's own hook in .git/hooks: without this call LFS objects are never uploaded.",
          ...lfsPrePush('modelscan_guard_feed'),
        ]
      : []),
    'if [ -n "$modelscan_guard_input" ]; then',
    'exec 0<<MODELSCAN_GUARD_INPUT',
    '$modelscan_guard_input',
    'MODELSCAN_GUARD_INPUT',
    'else',
    '  exec 0</dev/null',
    'fi',
  ].join('\n');
}

/** Block for .husky/post-checkout etc. in an LFS repository. */
export function huskyLfsBlock(hook: string): string {
  return ["# husky's core.hooksPath hides git-lfs's own hooks in .git/hooks: call them from here.", requireGitLfs(hook), `git lfs ${hook} "$@"`].join('\n');
}
