/**
 * The human report: one line per finding, then what was scanned, skipped and errored. It never says
 * "no issues" when anything was skipped or could not be analysed: that would be a clean bill it cannot give.
 */
import type { Finding, ScanError, Severity } from '../types.js';
import type { RenderOptions, RunReport } from './model.js';

const COLOR: Record<Severity | 'error' | 'dim' | 'ok', string> = {
  CRITICAL: '\x1b[1;31m',
  HIGH: '\x1b[31m',
  MEDIUM: '\x1b[33m',
  LOW: '\x1b[36m',
  error: '\x1b[35m',
  dim: '\x1b[2m',
  ok: '\x1b[32m',
};

function paint(on: boolean, key: keyof typeof COLOR, s: string): string {
  return on ? `${COLOR[key]}${s}\x1b[0m` : s;
}

function where(path: string, member?: string): string {
  return member === undefined ? path : `${path}:${member}`;
}

function findingLine(f: Finding, color: boolean): string {
  // Findings about a global name it (pickle, Keras modules); the others are said by their rule, once.
  const what = f.module !== undefined && f.operator !== undefined ? `${f.module}.${f.operator}` : undefined;
  const use = f.use ? ` ${f.use}` : '';
  const at = f.location?.offset !== undefined ? ` at byte ${f.location.offset}` : '';
  const head = what !== undefined ? `${what}${use}${at}  ` : at !== '' ? `${at.trimStart()}  ` : '';
  return `${paint(color, f.severity, f.severity.padEnd(8))} ${where(f.path, f.location?.member)}  ${head}[${f.rule}] ${paint(color, 'dim', f.description)}`;
}

function errorLine(e: ScanError, color: boolean): string {
  const at = e.offset !== undefined ? ` (byte ${e.offset})` : '';
  return `${paint(color, 'error', 'ERROR   ')} ${where(e.path, e.member)}  ${e.message}${at}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderConsole(report: RunReport, opts: RenderOptions): string {
  const lines: string[] = [];
  const color = opts.color;
  const findings = report.results.flatMap((r) => r.findings);
  for (const f of findings) lines.push(findingLine(f, color));
  const errors = [...report.results.flatMap((r) => r.errors), ...report.errors];
  for (const e of errors) lines.push(errorLine(e, color));

  const skips = [...report.results.flatMap((r) => (r.skipped ? [r.skipped] : [])), ...report.skipped];
  if (opts.showSkipped) for (const s of skips) lines.push(`${paint(color, 'dim', 'SKIPPED ')} ${s.path}  ${s.description}`);

  const t = report.tally;
  if (lines.length > 0) lines.push('');
  const sev = (['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
    .filter((s) => t.bySeverity[s] > 0)
    .map((s) => `${t.bySeverity[s]} ${s}`)
    .join(', ');
  const parts = [`${plural(t.scanned, 'file')} scanned`];
  parts.push(t.findings > 0 ? `${plural(t.findings, 'finding')} (${sev})` : 'no findings in them');
  if (t.errored > 0) parts.push(`${plural(t.errored, 'file')} not fully analysed`);
  if (t.skipped > 0) parts.push(`${t.skipped} not scanned${opts.showSkipped ? '' : ' (--show-skipped lists them)'}`);
  lines.push(parts.join('; ') + '.');

  if (t.blocking > 0) {
    lines.push(paint(color, 'CRITICAL', `Blocked: ${plural(t.blocking, 'finding')} at or above ${report.failOn}. Do not load these files; the README explains each rule and how to replace or allow a file.`));
  } else if (t.errored > 0) {
    lines.push(paint(color, 'error', 'Some files could not be fully analysed: treat them as untrusted until they are.'));
  } else if (t.scanned === 0) {
    lines.push('Nothing to scan: no supported model format was found.');
  } else if (t.skipped === 0 && t.findings === 0) {
    lines.push(paint(color, 'ok', `No issues found in ${plural(t.scanned, 'scanned file')}.`));
  }
  return lines.join('\n') + '\n';
}
