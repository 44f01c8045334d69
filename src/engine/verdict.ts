/**
 * The policy step after scanning: which results block, and the process exit code (modelscan's codes).
 */
import { severityRank, type ScanResult, type Severity } from '../types.js';

export const EXIT = {
  CLEAN: 0,
  FINDINGS: 1,
  ERRORS: 2,
  NOTHING_SCANNED: 3,
  USAGE: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface Tally {
  scanned: number;
  skipped: number;
  errored: number;
  findings: number;
  blocking: number;
  bySeverity: Record<Severity, number>;
}

export function tally(results: readonly ScanResult[], failOn: Severity, extraSkipped = 0, extraErrors = 0): Tally {
  const t: Tally = { scanned: 0, skipped: extraSkipped, errored: extraErrors, findings: 0, blocking: 0, bySeverity: { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } };
  for (const r of results) {
    if (r.skipped) t.skipped++;
    else t.scanned++;
    if (r.errors.length > 0) t.errored++;
    for (const f of r.findings) {
      t.findings++;
      t.bySeverity[f.severity]++;
      if (severityRank(f.severity) >= severityRank(failOn)) t.blocking++;
    }
  }
  return t;
}

/** Findings take precedence over errors; errors over "nothing scanned". */
export function exitCode(t: Tally): ExitCode {
  if (t.blocking > 0) return EXIT.FINDINGS;
  if (t.errored > 0) return EXIT.ERRORS;
  if (t.scanned === 0) return EXIT.NOTHING_SCANNED;
  return EXIT.CLEAN;
}
