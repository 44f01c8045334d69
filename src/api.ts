/**
 * Running a whole scan: walk the inputs, scan each artifact, tally against --fail-on. Shared by the CLI and
 * the library API so both give the same answers.
 */
import { BufferSource } from './io/byte-source.js';
import { DEFAULT_LIMITS, type Limits } from './engine/limits.js';
import { scanArtifact, type EngineOptions } from './engine/scan.js';
import { tally } from './engine/verdict.js';
import type { RunReport } from './report/model.js';
import type { PicklePolicyOptions } from './scanners/pickle/policy-options.js';
import { walkPaths } from './sources/fs.js';
import type { Artifact, ScanError, ScanResult, Severity } from './types.js';

export interface ScanOptions {
  /** Lowest severity that blocks (exit 1). Default LOW: any finding. */
  failOn?: Severity;
  limits?: Limits;
  pickle?: PicklePolicyOptions;
  /** Called before each artifact is scanned and once at the end: files done, bytes done, what is next. */
  onProgress?: (filesDone: number, bytesDone: number, next?: string) => void;
}

import { version } from './version.js';

export { version };

function engineOptions(o: ScanOptions): EngineOptions {
  return { limits: o.limits ?? DEFAULT_LIMITS, pickle: o.pickle ?? {} };
}

/** Scans files and directories (walked) and returns the full report. */
export async function scanPaths(paths: readonly string[], options: ScanOptions = {}): Promise<RunReport> {
  const startedAt = new Date();
  const walk = walkPaths(paths);
  const results: ScanResult[] = [];
  let bytes = 0;
  for (const artifact of walk.artifacts) {
    options.onProgress?.(results.length, bytes, artifact.path);
    results.push(await scanArtifact(artifact, engineOptions(options)));
    bytes += artifact.size;
  }
  options.onProgress?.(results.length, bytes);
  const errors: ScanError[] = walk.missing.map((m) => ({ path: m.path, scanner: 'fs', kind: 'io', message: m.message }));
  const failOn = options.failOn ?? 'LOW';
  return {
    inputs: [...paths],
    results,
    skipped: walk.skipped,
    errors,
    failOn,
    tally: tally(results, failOn, walk.skipped.length, errors.length),
    version: version(),
    startedAt,
  };
}

/** Scans bytes already in memory, as if they were a file called `name` (the name is only a hint). */
export async function scanBytes(bytes: Buffer, name = '<bytes>', options: ScanOptions = {}): Promise<ScanResult> {
  const artifact: Artifact = { path: name, origin: 'file', size: bytes.length, open: () => new BufferSource(bytes) };
  return scanArtifact(artifact, engineOptions(options));
}
