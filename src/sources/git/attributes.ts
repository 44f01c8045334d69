/**
 * Which paths git re-encodes on checkout (`working-tree-encoding`, gitattributes(5)). git converts the
 * blob from UTF-8 into that encoding before anything else reads it, git-lfs's smudge filter included: a blob of
 * UTF-8 text can thus check out as an LFS pointer (to a malicious object) or as a protocol 0 pickle, while the
 * blob itself is harmless text. Attributes are read as the commit has them, through a private temporary index
 * (`read-tree` + `check-attr --cached`), which works in bare repositories too; without a commit, from the index
 * git is committing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Repo } from './repo.js';
import { gitSync } from './run.js';

/**
 * For each commit (undefined: the index being committed), the paths asked about → their encoding, when set.
 * Only the commits in `mentioning` (commitsMentioningEncoding) can set one; the others are not read.
 */
export function workingTreeEncodings(
  repo: Repo,
  pathsByCommit: ReadonlyMap<string | undefined, readonly string[]>,
  mentioning: ReadonlySet<string | undefined>,
): Map<string | undefined, Map<string, string>> {
  const out = new Map<string | undefined, Map<string, string>>();
  let dir: string | undefined;
  try {
    for (const [commit, paths] of pathsByCommit) {
      if (!mentioning.has(commit)) continue;
      let env: NodeJS.ProcessEnv | undefined;
      if (commit !== undefined) {
        dir ??= mkdtempSync(join(tmpdir(), 'modelscan-guard-attr-'));
        const index = join(dir, `index-${commit}`);
        gitSync(['read-tree', commit], { cwd: repo.cwd, env: { GIT_INDEX_FILE: index } });
        env = { GIT_INDEX_FILE: index };
      }
      const input = paths.map((p) => `${p}\0`).join('');
      // core.ignorecase: clones on macOS and Windows match attribute patterns case-insensitively (`*.PT` covers model.pt there).
      const r = gitSync(['-c', 'core.ignorecase=true', 'check-attr', '--cached', '-z', '--stdin', 'working-tree-encoding'], { cwd: repo.cwd, input, ...(env ? { env } : {}) });
      const fields = r.stdout.toString('utf8').split('\0');
      const set = new Map<string, string>();
      for (let i = 0; i + 2 < fields.length; i += 3) {
        const value = fields[i + 2]!;
        if (value !== 'unspecified' && value !== 'unset') set.set(fields[i]!, value);
      }
      out.set(commit, set);
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** In any case: on a case-insensitive disk git reads `.GITATTRIBUTES` as the attributes file. */
const ATTRIBUTE_FILES = ':(glob,icase)**/.gitattributes';

/**
 * The commits (undefined: the index) whose .gitattributes files mention working-tree-encoding at all: one
 * `git grep` for all of them, so that a push of many commits adding non-ASCII text (localized docs) pays for
 * no temporary index unless some attributes could re-encode it.
 */
export function commitsMentioningEncoding(repo: Repo, commits: readonly (string | undefined)[]): Set<string | undefined> {
  const found = new Set<string | undefined>();
  const revs = commits.filter((c): c is string => c !== undefined);
  if (revs.length > 0) {
    const out = gitSync(['grep', '-l', '-z', '-F', '-e', 'working-tree-encoding', ...revs, '--', ATTRIBUTE_FILES], { cwd: repo.cwd, okCodes: [1] }).stdout.toString('utf8');
    for (const hit of out.split('\0')) {
      const colon = hit.indexOf(':');
      if (colon > 0) found.add(hit.slice(0, colon));
    }
  }
  if (commits.includes(undefined)) {
    const r = gitSync(['grep', '--cached', '-q', '-F', '-e', 'working-tree-encoding', '--', ATTRIBUTE_FILES], { cwd: repo.cwd, okCodes: [1] });
    if (r.code === 0) found.add(undefined);
  }
  return found;
}
