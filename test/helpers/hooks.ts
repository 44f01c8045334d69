/**
 * Shared pieces of the hook-installation end-to-end tests: test models, LFS object paths on a bare remote, and
 * the npm cache the tests that need the registry (husky, pre-commit's `language: node`) share.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { GitSandbox } from './git-sandbox.js';

/** Protocol-0 pickle that would call os.system('echo pwned') if loaded. Test data only: nothing ever loads it. */
export const EVIL = Buffer.from("cos\nsystem\n(S'echo pwned'\ntR.", 'latin1');
/** Protocol-2 pickle of {'w': 1}. */
export const BENIGN = Buffer.from('\x80\x02}q\x00X\x01\x00\x00\x00wq\x01K\x01s.', 'latin1');

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Where git-lfs stores an object in a (bare) repository. */
export function lfsObject(gitDir: string, content: Buffer): string {
  const oid = sha256(content);
  return join(gitDir, 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
}

/** Every file under `<gitDir>/lfs/objects` (none when the directory does not exist). */
export function lfsObjectCount(gitDir: string): number {
  const root = join(gitDir, 'lfs', 'objects');
  if (!existsSync(root)) return 0;
  let n = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else n++;
    }
  };
  walk(root);
  return n;
}

/** Refs of a bare repository, one per line ('' when it has none). */
export function refs(sb: GitSandbox, bare: string): string {
  return sb.git(bare, ['for-each-ref', '--format=%(refname)']).stdout.trim();
}

/**
 * The developer's npm cache (not the sandbox's empty HOME): the tests download husky and a TypeScript toolchain,
 * and a warm cache makes that seconds instead of minutes. npm's cache is content-addressed and safe to share.
 */
export function sharedNpmCache(): string {
  return execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
}
