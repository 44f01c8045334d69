/**
 * The configuration and allow list as a commit has them, copied into a private temporary folder. `diff` judges
 * a range by the policy of its base: the commits under review (a pull request checked out in CI) must not be
 * able to exclude or allow their own files, nor run code through a JavaScript config or a cosmiconfig meta
 * config in the working tree.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { removedOnSignal } from '../io/removed-on-signal.js';
import { gitSync } from '../sources/git/run.js';
import type { Repo } from '../sources/git/repo.js';
import { ALLOW_FILE } from './allow-file.js';
import { SEARCH_PLACES } from './discover.js';
import { ConfigError } from './schema.js';

/** Larger config files are refused rather than copied (mayHaveConfig leaves such a package.json to cosmiconfig). */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface CommittedConfig {
  /** The folder holding the copies: the root to discover the config and read the allow list in. */
  dir: string;
  /** How a copy is named to the user: `<commit>:<path>` rather than the temporary folder. */
  label(file: string): string;
  /** The files copied, repository paths. */
  files: string[];
  dispose(): void;
}

export function configAtCommit(repo: Repo, commit: string): CommittedConfig {
  const wanted = [...SEARCH_PLACES, ALLOW_FILE];
  const listing = gitSync(['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...wanted], { cwd: repo.cwd, env: { GIT_LITERAL_PATHSPECS: '1' } }).stdout.toString('utf8');
  const dir = mkdtempSync(join(tmpdir(), 'modelscan-guard-config-')); // mkdtemp: mode 0700, a fresh name
  const remove = removedOnSignal(dir);
  const files: string[] = [];
  try {
    for (const entry of listing.split('\0')) {
      const m = /^(\d+) blob ([0-9a-f]+)\t(.+)$/s.exec(entry);
      // Regular files only: a symlink in the commit is not followed into the machine running the check.
      if (!m || (m[1] !== '100644' && m[1] !== '100755') || !wanted.includes(m[3]!)) continue;
      const content = gitSync(['cat-file', 'blob', m[2]!], { cwd: repo.cwd }).stdout;
      if (content.length > MAX_CONFIG_BYTES) throw new ConfigError(`${m[3]} at ${commit.slice(0, 12)} is larger than ${MAX_CONFIG_BYTES} bytes`);
      const target = join(dir, m[3]!);
      mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
      writeFileSync(target, content, { mode: 0o600 });
      files.push(m[3]!);
    }
  } catch (err) {
    remove();
    throw err;
  }
  const prefix = dir + sep;
  return {
    dir,
    files,
    label: (file) => (file.startsWith(prefix) ? `${commit.slice(0, 12)}:${file.slice(prefix.length)} (the range's base)` : file),
    dispose: remove,
  };
}
