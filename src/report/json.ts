/**
 * JSON in modelscan's report schema, so its users' parsers keep working: summary / issues / errors with
 * modelscan's field names and relative `source` paths. Our extra fields are additions, never renames.
 */
import { SEVERITIES, type ScanError, type Skip } from '../types.js';
import type { RunReport } from './model.js';
import { reportBase, reportPath } from './paths.js';

const ERROR_CATEGORY: Record<ScanError['kind'], string> = {
  parse: 'PARSE',
  limit: 'LIMIT',
  unsupported: 'SCAN_NOT_SUPPORTED',
  'unresolved-lfs': 'LFS_UNRESOLVED',
  io: 'PATH',
};

const SKIP_CATEGORY: Record<Skip['category'], string> = {
  'unrecognised-format': 'SCAN_NOT_SUPPORTED',
  'no-scanner': 'NOT_IMPLEMENTED',
  excluded: 'EXCLUDED',
  empty: 'EMPTY',
  'not-a-regular-file': 'NOT_A_REGULAR_FILE',
};

export function renderJson(report: RunReport): string {
  const base = reportBase(report);
  const rel = (p: string, member?: string) => {
    const r = reportPath(report, base, p);
    return member === undefined ? r : `${r}:${member}`;
  };
  const bySeverity: Record<string, number> = {};
  for (const s of SEVERITIES) bySeverity[s] = report.tally.bySeverity[s];

  const issues = report.results.flatMap((r) =>
    r.findings.map((f) => ({
      description: f.description,
      operator: f.operator ?? '',
      module: f.module ?? '',
      source: rel(f.path, f.location?.member),
      scanner: `modelscan-guard.${f.scanner}`,
      severity: f.severity,
      rule: f.rule,
      use: f.use ?? null,
      offset: f.location?.offset ?? null,
      sha256: r.sha256 || null,
    })),
  );
  const errors = [...report.results.flatMap((r) => r.errors), ...report.errors].map((e) => ({
    category: ERROR_CATEGORY[e.kind],
    description: e.message,
    source: rel(e.path, e.member),
    scanner: `modelscan-guard.${e.scanner}`,
    offset: e.offset ?? null,
  }));
  const skipped = [...report.results.flatMap((r) => (r.skipped ? [r.skipped] : [])), ...report.skipped].map((s) => ({
    category: SKIP_CATEGORY[s.category],
    description: s.description,
    source: rel(s.path),
  }));
  const scannedFiles = report.results.filter((r) => !r.skipped).map((r) => rel(r.artifact.path));

  const doc = {
    summary: {
      total_issues_by_severity: bySeverity,
      total_issues: issues.length,
      input_path: report.inputs.join(', '),
      absolute_path: base,
      modelscan_guard_version: report.version,
      timestamp: report.startedAt.toISOString(),
      scanned: { total_scanned: scannedFiles.length, scanned_files: scannedFiles },
      skipped: { total_skipped: skipped.length, skipped_files: skipped },
      fail_on: report.failOn,
      blocking_issues: report.tally.blocking,
    },
    issues,
    errors,
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
