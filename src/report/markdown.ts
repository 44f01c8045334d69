/**
 * Markdown for pull-request comments and GitHub's job summary ($GITHUB_STEP_SUMMARY): a verdict line, a table of
 * findings, what could not be analysed, and what was not scanned (folded). Cell text is escaped so a file name
 * cannot break the table or inject markup; the table is capped to stay under GitHub's comment size limit.
 */
import type { ArtifactAllow } from '../config/schema.js';
import { ruleDoc } from '../rules.js';
import { severityRank, type ScanResult } from '../types.js';
import type { RunReport } from './model.js';
import { reportBase, reportPath } from './paths.js';

const MAX_ROWS = 200;

/** Escapes text for a table cell: pipes, markup characters, HTML and newlines. */
export function mdCell(s: string): string {
  return s
    .replace(/[\\`*_{}[\]()#+!|<>~]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, ' ');
}

const code = (s: string) => `<code>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\r?\n/g, ' ')}</code>`;

function allowedOf(r: ScanResult): ArtifactAllow | undefined {
  return (r as ScanResult & { allowed?: ArtifactAllow }).allowed;
}

export function renderMarkdown(report: RunReport): string {
  const base = reportBase(report);
  const rel = (p: string) => reportPath(report, base, p);
  const t = report.tally;
  const out: string[] = ['## modelscan-guard', ''];
  const errors = [...report.results.flatMap((r) => r.errors), ...report.errors];
  // Findings in files allowed on purpose are shown but do not block (the git modes' allow list).
  const blocking = report.results.filter((r) => !allowedOf(r)).flatMap((r) => r.findings).filter((f) => severityRank(f.severity) >= severityRank(report.failOn)).length;
  if (blocking > 0) out.push(`:x: **Blocked**: ${blocking} finding${blocking === 1 ? '' : 's'} at or above ${report.failOn}. Do not load these files.`);
  else if (errors.length > 0) out.push(`:warning: **${errors.length} file${errors.length === 1 ? '' : 's'} could not be fully analysed**: treat ${errors.length === 1 ? 'it' : 'them'} as untrusted.`);
  else if (t.scanned === 0) out.push(':grey_question: Nothing to scan: no supported model format was found.');
  else if (t.findings > 0) out.push(`:information_source: ${t.findings} finding${t.findings === 1 ? '' : 's'} below the ${report.failOn} threshold or allowed on purpose.`);
  else out.push(`:white_check_mark: No issues found in ${t.scanned} scanned file${t.scanned === 1 ? '' : 's'}.`);
  out.push('');
  out.push(`${t.scanned} scanned · ${t.findings} finding${t.findings === 1 ? '' : 's'} · ${t.errored} not fully analysed · ${t.skipped} not scanned · fail on ${report.failOn} · modelscan-guard ${report.version}`);

  const rows: string[] = [];
  for (const r of report.results) {
    const allowed = allowedOf(r);
    for (const f of r.findings) {
      const where = `${rel(f.path)}${f.location?.member ? `:${f.location.member}` : ''}`;
      const global = f.module !== undefined ? `${f.module}${f.operator !== undefined ? `.${f.operator}` : ''}` : '';
      const title = ruleDoc(f.rule)?.title ?? f.rule;
      rows.push(
        `| ${f.severity}${allowed ? ' (allowed)' : ''} | ${code(where)} | ${code(f.rule)} ${mdCell(title)} | ${global ? code(global) : ''} | ${f.use ?? ''} | ${f.location?.offset ?? ''} | ${r.artifact.commit ? code(r.artifact.commit.slice(0, 12)) : ''} |`,
      );
    }
  }
  if (rows.length > 0) {
    out.push('', '| severity | file | rule | global | use | byte | commit |', '|---|---|---|---|---|---|---|', ...rows.slice(0, MAX_ROWS));
    if (rows.length > MAX_ROWS) out.push('', `… and ${rows.length - MAX_ROWS} more findings (see the SARIF or JSON report).`);
  }
  if (errors.length > 0) {
    out.push('', '### Not fully analysed', '');
    for (const e of errors.slice(0, MAX_ROWS)) out.push(`- ${code(rel(e.path) + (e.member ? `:${e.member}` : ''))}: ${mdCell(e.message)}`);
  }
  const allowed = report.results.filter((r) => allowedOf(r));
  if (allowed.length > 0) {
    out.push('', '### Allowed on purpose', '');
    for (const r of allowed) out.push(`- ${code(rel(r.artifact.path))}: ${mdCell(allowedOf(r)!.reason)}`);
  }
  const skips = [...report.results.flatMap((r) => (r.skipped ? [r.skipped] : [])), ...report.skipped];
  if (skips.length > 0) {
    out.push('', `<details><summary>${skips.length} file${skips.length === 1 ? '' : 's'} not scanned</summary>`, '');
    for (const s of skips.slice(0, MAX_ROWS)) out.push(`- ${code(rel(s.path))}: ${mdCell(s.description)}`);
    out.push('', '</details>');
  }
  const ids = [...new Set(report.results.flatMap((r) => r.findings.map((f) => f.rule)))];
  if (ids.length > 0) {
    out.push('', '### Rules', '');
    for (const id of ids) {
      const doc = ruleDoc(id);
      out.push(`- ${code(id)}: ${mdCell(doc?.why ?? '')} **Fix:** ${mdCell(doc?.fix ?? '')}`);
    }
  }
  return out.join('\n') + '\n';
}
