/**
 * Writing hook files: atomically (a hook half-written when git runs it could let a push through), executable
 * (git silently skips a hook without the x bit), and checked with `sh -n` before it replaces anything.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { InstallError } from './repo.js';

/** A hook file's text, or null when there is none (or it cannot be read: then it is not ours to change). */
export function readHook(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Writes `text` to `path` via a temporary sibling and a rename; returns false when the content was already there. */
export function writeHook(path: string, text: string, current: string | null): boolean {
  const mode = current === null ? 0o755 : (statSync(path).mode & 0o777) | 0o111;
  if (current === text && (statSync(path).mode & 0o111) === 0o111) return false;
  const tmp = `${path}.modelscan-guard-${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text, { mode });
    chmodSync(tmp, mode); // the umask may have removed bits from writeFileSync's mode
    const syntax = spawnSync('sh', ['-n', tmp], { encoding: 'utf8' });
    if (syntax.status !== 0) throw new InstallError(`generated hook ${path} is not valid sh (a bug, please report): ${syntax.stderr.trim()}`);
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  if ((statSync(path).mode & 0o111) !== 0o111) throw new InstallError(`${path} could not be made executable: git would silently skip it`);
  return true;
}
