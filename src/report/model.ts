/** What every report format renders: the results of one run and how they tally against --fail-on. */
import type { Tally } from '../engine/verdict.js';
import type { ScanError, ScanResult, Severity, Skip } from '../types.js';

export interface RunReport {
  /** The paths (or other inputs) as the user gave them. */
  inputs: string[];
  results: ScanResult[];
  /** Skips and errors that belong to no scanned artifact (special files, missing paths). */
  skipped: Skip[];
  errors: ScanError[];
  failOn: Severity;
  tally: Tally;
  version: string;
  startedAt: Date;
  /**
   * Set when artifact paths are already relative to a root (the git modes and `scan --repo`: repository paths).
   * Reports then use them as they are; otherwise they are made relative to the input directory.
   */
  root?: string;
}

export interface RenderOptions {
  showSkipped: boolean;
  /** ANSI colours (a TTY without NO_COLOR). */
  color: boolean;
}
