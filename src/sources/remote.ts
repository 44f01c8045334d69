/**
 * `scan --repo URL`: a remote repository audited without downloading its weights. It is cloned into a private
 * temporary folder (0700, removed afterwards) with no checkout and LFS smudging off, so only git objects arrive;
 * the guard then fetches exactly the LFS objects of candidate files (`lfs.missing: fetch`), checks each one's
 * sha256 and size against its pointer, and scans it. `hf://ORG/NAME` is a Hugging Face Hub repository (git + LFS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removedOnSignal } from '../io/removed-on-signal.js';
import { GitError, gitAsync } from './git/run.js';

export class RemoteError extends Error {}

/** `hf://ORG/NAME` (and `hf://datasets/ORG/NAME`, `hf://spaces/ORG/NAME`) → the Hub's git URL; others unchanged. */
export function remoteUrl(spec: string): string {
  if (spec.startsWith('-')) throw new RemoteError(`${JSON.stringify(spec)} is not a repository URL`);
  const hf = /^hf:\/\/(.+)$/.exec(spec);
  if (!hf) return spec;
  const parts = hf[1]!.replace(/\/+$/, '').split('/');
  const kinds = new Set(['datasets', 'spaces']);
  const valid = (p: string) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(p) && !p.includes('..');
  const ok = (parts.length === 2 && parts.every(valid)) || (parts.length === 3 && kinds.has(parts[0]!) && parts.slice(1).every(valid));
  if (!ok) throw new RemoteError(`${JSON.stringify(spec)}: expected hf://ORG/NAME (or hf://datasets/ORG/NAME)`);
  return `https://huggingface.co/${parts.join('/')}`;
}

export interface Clone {
  dir: string;
  /** The commit to scan. */
  rev: string;
  remove(): void;
}

/** What every git call on the clone gets: no prompts, no smudging, no `ext::` transport, no hooks of ours. */
const CLONE_ENV: NodeJS.ProcessEnv = { GIT_LFS_SKIP_SMUDGE: '1', GIT_TERMINAL_PROMPT: '0' };

/**
 * Clones `url` without a checkout (nothing is smudged or written as files) at `ref` (a branch or tag: shallow;
 * anything else, e.g. a commit id: a full clone, then that commit). The caller removes it.
 */
export async function cloneForScan(url: string, ref: string | undefined): Promise<Clone> {
  const parent = mkdtempSync(join(tmpdir(), 'modelscan-guard-repo-')); // mkdtemp: mode 0700, a fresh name
  const dir = join(parent, 'repo');
  const remove = removedOnSignal(parent);
  const git = (args: string[], cwd = parent) => gitAsync(['-c', 'protocol.ext.allow=never', ...args], { cwd, env: CLONE_ENV });
  try {
    let shallow = true;
    try {
      await git(['clone', '--quiet', '--no-checkout', '--depth', '1', ...(ref !== undefined ? ['--branch', ref] : []), '--', url, dir]);
    } catch (err) {
      if (ref === undefined || !(err instanceof GitError)) throw err;
      // Not a branch or tag: clone the history and look the revision up there.
      rmSync(dir, { recursive: true, force: true });
      await git(['clone', '--quiet', '--no-checkout', '--', url, dir]);
      shallow = false;
    }
    let rev = 'HEAD';
    if (ref !== undefined && !shallow) {
      const r = await gitAsync(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: dir, okCodes: [1, 128] });
      if (r.code !== 0) throw new RemoteError(`${JSON.stringify(ref)} is neither a branch, a tag nor a commit of ${url}`);
      rev = r.stdout.toString('utf8').trim();
    }
    return { dir, rev, remove };
  } catch (err) {
    remove();
    if (err instanceof GitError) throw new RemoteError(`cannot clone ${url}: ${err.stderr.trim().split('\n').slice(-3).join(' ') || err.message}`);
    throw err;
  }
}
