/**
 * JUnit XML for CI test-report panels (GitLab, Jenkins, Azure): one test case per scanned artifact, a <failure>
 * per finding, an <error> for a file that could not be fully analysed, <skipped> for files that were not scanned
 * (never shown as passed). Text is escaped and characters XML 1.0 forbids are replaced, so any file name parses.
 */
import { severityRank } from '../types.js';
import type { RunReport } from './model.js';
import { reportBase, reportPath } from './paths.js';

/** XML 1.0 allows tab, LF, CR and U+0020 upwards (minus surrogates and U+FFFE/U+FFFF). */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function xmlEscape(s: string): string {
  return s
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

export function renderJunit(report: RunReport): string {
  const base = reportBase(report);
  const rel = (p: string) => reportPath(report, base, p);
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const r of report.results) {
    const name = rel(r.artifact.path);
    const classname = `modelscan-guard.${r.formats[0] ?? 'file'}`;
    const body: string[] = [];
    if (r.skipped) {
      skipped++;
      body.push(`      <skipped${attrs({ message: r.skipped.description })}/>`);
    }
    if (r.findings.length > 0) {
      failures++;
      const text = r.findings
        .map((f) => `${f.severity} [${f.rule}] ${f.module !== undefined ? `${f.module}${f.operator !== undefined ? `.${f.operator}` : ''} ` : ''}${f.use ?? ''}${f.location?.member ? ` in ${f.location.member}` : ''}${f.location?.offset !== undefined ? ` at byte ${f.location.offset}` : ''}: ${f.description}`)
        .join('\n');
      const top = r.findings.reduce((a, f) => (severityRank(f.severity) > severityRank(a.severity) ? f : a));
      body.push(`      <failure${attrs({ message: `${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}, highest ${top.severity}: ${top.rule}`, type: top.rule })}>${xmlEscape(text)}</failure>`);
    }
    if (r.errors.length > 0) {
      errors++;
      const text = r.errors.map((e) => `${e.kind}${e.member ? ` in ${e.member}` : ''}${e.offset !== undefined ? ` at byte ${e.offset}` : ''}: ${e.message}`).join('\n');
      body.push(`      <error${attrs({ message: `could not be fully analysed: ${r.errors[0]!.message}`, type: r.errors[0]!.kind })}>${xmlEscape(text)}</error>`);
    }
    const props: string[] = [];
    if (r.sha256) props.push(`        <property${attrs({ name: 'sha256', value: r.sha256 })}/>`);
    if (r.artifact.commit) props.push(`        <property${attrs({ name: 'commit', value: r.artifact.commit })}/>`);
    if (props.length > 0) body.unshift(`      <properties>\n${props.join('\n')}\n      </properties>`);
    cases.push(body.length === 0 ? `    <testcase${attrs({ classname, name })}/>` : `    <testcase${attrs({ classname, name })}>\n${body.join('\n')}\n    </testcase>`);
  }
  // Inputs that never became an artifact (a missing path, a FIFO) still get a case, so nothing is silently absent.
  for (const e of report.errors) {
    errors++;
    cases.push(`    <testcase${attrs({ classname: 'modelscan-guard.input', name: rel(e.path) })}>\n      <error${attrs({ message: e.message, type: e.kind })}/>\n    </testcase>`);
  }
  for (const s of report.skipped) {
    skipped++;
    cases.push(`    <testcase${attrs({ classname: 'modelscan-guard.input', name: rel(s.path) })}>\n      <skipped${attrs({ message: s.description })}/>\n    </testcase>`);
  }
  const totals = { tests: cases.length, failures, errors, skipped };
  const time = ((Date.now() - report.startedAt.getTime()) / 1000).toFixed(3);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'modelscan-guard', ...totals, time })}>`,
    `  <testsuite${attrs({ name: `modelscan-guard ${report.inputs.join(', ')}`, ...totals, time, timestamp: report.startedAt.toISOString().replace(/\.\d+Z$/, '') })}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
