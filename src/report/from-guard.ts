/**
 * A git mode's GuardReport seen as a RunReport, so every report format (JSON, SARIF, JUnit, Markdown) renders
 * the git modes and `scan --repo` with the same code as `scan`. Paths stay repository paths (`root`).
 */
import { version } from '../version.js';
import { tally } from '../engine/verdict.js';
import type { GuardReport, GuardResult } from '../guard/run.js';
import type { RunReport } from './model.js';

export function guardRunReport(report: GuardReport, opts: { root: string; inputs: string[]; startedAt: Date }): RunReport {
  // The commit a mode learnt after scanning (diff's introducing commit) lives on the candidate: carry it over.
  const results: GuardResult[] = report.results.map((r) => (r.candidate.commit && r.artifact.commit !== r.candidate.commit ? { ...r, artifact: { ...r.artifact, commit: r.candidate.commit } } : r));
  return {
    inputs: opts.inputs,
    results,
    skipped: [],
    errors: [],
    failOn: report.failOn,
    tally: tally(results, report.failOn),
    version: version(),
    startedAt: opts.startedAt,
    root: opts.root,
  };
}
