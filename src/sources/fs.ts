/**
 * The file-system source: files under the paths given, directories walked in a stable order.
 * Symlinked files are read (a loader would read them); symlinked directories are not followed (loops).
 * FIFOs, sockets and devices are reported, never opened: reading a FIFO would hang the scan.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../io/byte-source.js';
import type { Artifact, Skip } from '../types.js';

export interface FsWalk {
  artifacts: Artifact[];
  skipped: Skip[];
  /** Paths that do not exist or cannot be listed. */
  missing: { path: string; message: string }[];
}

const IGNORED_DIRS = new Set(['.git']);

export function fileArtifact(path: string, size: number): Artifact {
  return { path, origin: 'file', size, open: () => new FileSource(path) };
}

export function walkPaths(paths: readonly string[]): FsWalk {
  const out: FsWalk = { artifacts: [], skipped: [], missing: [] };
  for (const p of paths) visit(p, true, out);
  return out;
}

function visit(path: string, explicit: boolean, out: FsWalk): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    out.missing.push({ path, message: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : String((err as Error).message) });
    return;
  }
  if (st.isSymbolicLink()) {
    let target: Stats;
    try {
      target = statSync(path);
    } catch {
      out.skipped.push({ path, category: 'not-a-regular-file', description: 'symbolic link to nothing' });
      return;
    }
    if (target.isFile()) out.artifacts.push(fileArtifact(path, target.size));
    else if (target.isDirectory() && explicit) walkDir(path, out);
    else out.skipped.push({ path, category: 'not-a-regular-file', description: target.isDirectory() ? 'symbolic link to a directory (not followed)' : 'symbolic link to a special file' });
    return;
  }
  if (st.isFile()) out.artifacts.push(fileArtifact(path, st.size));
  else if (st.isDirectory()) walkDir(path, out);
  else out.skipped.push({ path, category: 'not-a-regular-file', description: 'not a regular file (FIFO, socket or device)' });
}

function walkDir(dir: string, out: FsWalk): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    out.missing.push({ path: dir, message: `cannot list directory: ${(err as Error).message}` });
    return;
  }
  names.sort();
  for (const name of names) {
    if (IGNORED_DIRS.has(name)) continue;
    visit(join(dir, name), false, out);
  }
}
