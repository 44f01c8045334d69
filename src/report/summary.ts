/**
 * The hook summary on stderr: one screen that says what was scanned, what blocks and why (path, commit, format,
 * module.operator, severity, rule), what could not be scanned, and the ways forward. Quiet when nothing blocks:
 * one line, or none when no candidate was a model at all.
 */
import { formatBytes } from './bytes.js';
import type { GuardReport, GuardResult } from '../guard/run.js';
import { ruleDoc } from '../rules.js';

export interface SummaryOptions {
  /** Which mode ran, for the advice (e.g. how to unstage vs. how to rewrite a pushed commit). */
  mode: 'staged' | 'pre-push' | 'diff' | 'pre-receive';
  /** pre-receive: whether the server grants push-option overrides (the advice says how to ask). */
  overridesEnabled?: boolean;
  /** Prefix for every line (GitLab shows `GL-HOOK-ERR: ` lines in its UI). */
  linePrefix?: string;
  /** Lines of findings shown before "... and N more" (keeps the summary on one screen). */
  maxLines?: number;
  /** Also print a line when nothing blocks. */
  verbose?: boolean;
}


function where(r: GuardResult): string {
  const parts: string[] = [];
  if (r.candidate.commit) parts.push(`commit ${r.candidate.commit.slice(0, 12)}`);
  if (r.lfs) parts.push(`LFS ${r.lfs.oid.slice(0, 12)}`);
  if (r.formats.length > 0) parts.push(r.formats.join('+'));
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

function resultLines(r: GuardResult): string[] {
  const lines: string[] = [];
  for (const f of r.findings) {
    const member = f.location?.member ? ` [${f.location.member}]` : '';
    const what = f.module !== undefined ? `${f.module}${f.operator ? `.${f.operator}` : ''}${f.use ? ` (${f.use})` : ''}` : f.description;
    lines.push(`  ${f.severity.padEnd(8)} ${r.candidate.path}${member}${where(r)}: ${what}  [${f.rule}]`);
  }
  for (const e of r.errors) {
    const member = e.member ? ` [${e.member}]` : '';
    const label = r.warnedMissing ? 'WARNING ' : 'ERROR   ';
    lines.push(`  ${label} ${r.candidate.path}${member}${where(r)}: ${e.message}`);
  }
  return lines;
}

export function renderSummary(report: GuardReport, opts: SummaryOptions): string {
  const maxLines = opts.maxLines ?? 20;
  const scanned = report.results.filter((r) => !r.skipped);
  const models = scanned.filter((r) => r.formats.length > 0 || r.lfs);
  const blocking = report.results.filter((r) => r.blocks);
  const allowed = report.results.filter((r) => r.allowed);
  const warned = report.results.filter((r) => r.warnedMissing && !r.blocks);
  const notScanned = report.results.filter((r) => r.skipped?.category === 'no-scanner');
  const cached = report.results.filter((r) => r.fromCache).length;
  const stats = `${report.blobs} blob${report.blobs === 1 ? '' : 's'}, ${models.length} model file${models.length === 1 ? '' : 's'}, ${formatBytes(report.bytes)} read${cached > 0 ? `, ${cached} verdict${cached === 1 ? '' : 's'} from cache` : ''}, ${(report.elapsedMs / 1000).toFixed(2)} s`;

  if (!report.blocked) {
    const notes: string[] = [];
    if (allowed.length > 0 || warned.length > 0 || notScanned.length > 0) {
      for (const r of warned) notes.push(...resultLines(r));
      for (const r of allowed) notes.push(`  ALLOWED  ${r.candidate.path}${where(r)}: sha256 ${r.allowed!.sha256.slice(0, 12)}… allowed on purpose: ${JSON.stringify(r.allowed!.reason)}`);
      for (const r of notScanned) notes.push(`  NOT SCANNED ${r.candidate.path}: ${r.skipped!.description}`);
    }
    if (notes.length === 0 && !opts.verbose) return '';
    return `modelscan-guard: passed (${stats})\n${notes.join('\n')}${notes.length > 0 ? '\n' : ''}`;
  }

  const out: string[] = [];
  const prefix = opts.linePrefix ?? '';
  const nFind = blocking.reduce((n, r) => n + r.findings.length, 0);
  const nErr = blocking.filter((r) => r.errors.length > 0).length;
  const what = [nFind > 0 ? `${nFind} finding${nFind === 1 ? '' : 's'}` : '', nErr > 0 ? `${nErr} file${nErr === 1 ? '' : 's'} that could not be fully analysed` : ''].filter(Boolean).join(' and ');
  out.push(`modelscan-guard: BLOCKED — ${what} in ${blocking.length} file${blocking.length === 1 ? '' : 's'} (${stats})`);
  out.push('');
  const lines = blocking.flatMap(resultLines);
  out.push(...lines.slice(0, maxLines));
  if (lines.length > maxLines) out.push(`  … and ${lines.length - maxLines} more (full report: modelscan-guard diff <range> --format json, or modelscan-guard scan <path>)`);
  const rules = [...new Set(blocking.flatMap((r) => r.findings.map((f) => f.rule)))];
  for (const id of rules.slice(0, 3)) {
    const doc = ruleDoc(id);
    if (doc) out.push(`  ${id}: ${doc.why}`);
  }
  if (allowed.length > 0) {
    out.push('');
    for (const r of allowed) out.push(`  ALLOWED  ${r.candidate.path}: allowed on purpose (${JSON.stringify(r.allowed!.reason)})`);
  }
  if (notScanned.length > 0 || warned.length > 0) {
    out.push('');
    for (const r of warned) out.push(...resultLines(r));
    for (const r of notScanned) out.push(`  NOT SCANNED ${r.candidate.path}: ${r.skipped!.description}`);
  }
  out.push('');
  out.push('Ways forward:');
  const first = blocking[0]!.candidate.path;
  if (opts.mode === 'staged') out.push(`  - remove or replace the file: git restore --staged -- ${JSON.stringify(first)} (and delete or replace it)`);
  else if (opts.mode === 'pre-push') out.push(`  - remove the file from the commits being pushed (git rm, then git commit --amend or git rebase -i), then push again`);
  else if (opts.mode === 'pre-receive') out.push('  - remove the file from the pushed commits (git rm, then git commit --amend or git rebase -i) and push again');
  else out.push(`  - remove or replace the file on the branch under review`);
  if (opts.mode === 'pre-receive') {
    const shas = [...new Set(blocking.map((r) => r.sha256).filter(Boolean))];
    const allowOpts = shas.length > 0 ? shas.map((h) => `-o modelscan-guard.allow=${h}`).join(' ') : '-o modelscan-guard.allow=<sha256>';
    if (opts.overridesEnabled) out.push(`  - if these exact files are safe, ask for an override (recorded in the audit log): git push ${allowOpts} -o modelscan-guard.reason="why it is safe"`);
    else out.push('  - if this exact file is safe, ask the server administrators to allow its sha256 in the server policy');
  } else {
    out.push(`  - if you trust this exact file: modelscan-guard allow ${JSON.stringify(first)} --reason "why it is safe", then commit .modelscan-guard-allow.json`);
  }
  if (blocking.some((r) => r.errors.some((e) => e.kind === 'unresolved-lfs'))) out.push('  - fetch the missing LFS objects (git lfs fetch), or set lfs.missing to "fetch" in the config');
  if (opts.mode === 'staged' || opts.mode === 'pre-push') out.push('  - bypassing the hook (git --no-verify) skips the check entirely; a server-side guard may still refuse the push');
  return `${out.map((l) => prefix + l).join('\n')}\n`;
}
