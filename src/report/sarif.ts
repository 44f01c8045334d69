/**
 * SARIF 2.1.0 as GitHub code scanning reads it: one rule per rule id (from src/rules.ts, whatever rules exist),
 * one result per finding with a repository-relative location (line 1: model files are binary), a fingerprint
 * from the rule and the content's sha256 (so an alert follows the file's content, not its position), and the
 * commit, global and offset in properties. Files that could not be analysed are tool notifications.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import type { ArtifactAllow } from '../config/schema.js';
import { RULES, type RuleDoc } from '../rules.js';
import { severityRank, type Finding, type ScanResult, type Severity } from '../types.js';
import type { RunReport } from './model.js';
import { reportBase, reportPath } from './paths.js';
import { SARIF_LEVEL, SECURITY_SEVERITY } from './severity-map.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const SRCROOT = '%SRCROOT%';

/** A URI reference for a relative path: each segment percent-encoded (spaces, `#`, `?` in file names). */
function uriOf(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/** The base as an absolute URI ending in `/`: a folder as file://, a remote repository (`scan --repo`) as its URL. */
function baseUri(base: string): string {
  const uri = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(base) ? base : pathToFileURL(base).href;
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function ruleDescriptor(doc: RuleDoc, severity: Severity): Sarif.ReportingDescriptor {
  return {
    id: doc.id,
    name: doc.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()),
    shortDescription: { text: doc.title },
    fullDescription: { text: doc.why || doc.title },
    help: {
      text: `${doc.why}\n\nWhat to do: ${doc.fix}`.trim(),
      markdown: `**${doc.title}**\n\n${doc.why}\n\n**What to do:** ${doc.fix}\n\nDetails: \`modelscan-guard explain ${doc.id}\``,
    },
    defaultConfiguration: { level: SARIF_LEVEL[severity] },
    properties: { tags: ['security', 'supply-chain', 'ml-model'], 'security-severity': SECURITY_SEVERITY[severity], precision: 'high' },
  };
}

/** Stable across runs and paths: the same finding in the same content gets the same fingerprint. */
function fingerprint(f: Finding, sha256: string): string {
  const what = [f.rule, sha256, f.location?.member ?? '', f.module ?? '', f.operator ?? '', String(f.location?.offset ?? '')].join('\0');
  return createHash('sha256').update(what).digest('hex');
}

function message(f: Finding): string {
  const call = f.module !== undefined ? `${f.module}${f.operator !== undefined ? `.${f.operator}` : ''}` : undefined;
  const at = f.location?.offset !== undefined ? ` at byte ${f.location.offset}` : '';
  const member = f.location?.member !== undefined ? ` in ${f.location.member}` : '';
  return `${f.severity}: ${call ? `${call}${f.use ? ` ${f.use}` : ''}${member}${at}: ` : ''}${f.description}`;
}

function allowedOf(r: ScanResult): ArtifactAllow | undefined {
  return (r as ScanResult & { allowed?: ArtifactAllow }).allowed;
}

export function renderSarif(report: RunReport): string {
  const base = reportBase(report);
  const rel = (p: string) => reportPath(report, base, p);

  // The highest severity each rule reached in this run sets its default level; rules not seen default to HIGH.
  const worst = new Map<string, Severity>();
  for (const f of report.results.flatMap((r) => r.findings)) {
    const w = worst.get(f.rule);
    if (w === undefined || severityRank(f.severity) > severityRank(w)) worst.set(f.rule, f.severity);
  }
  const docs: RuleDoc[] = [...RULES];
  for (const id of worst.keys()) if (!docs.some((d) => d.id === id)) docs.push({ id, title: id, why: '', fix: '' });
  const ruleIndex = new Map(docs.map((d, i) => [d.id, i]));

  const results: Sarif.Result[] = [];
  const artifacts: Sarif.Artifact[] = [];
  for (const r of report.results) {
    if (r.skipped) continue;
    const uri = uriOf(rel(r.artifact.path));
    if (r.sha256) artifacts.push({ location: { uri, uriBaseId: SRCROOT }, length: r.artifact.size, hashes: { 'sha-256': r.sha256 } });
    const allowed = allowedOf(r);
    for (const f of r.findings) {
      const properties: Record<string, unknown> = { severity: f.severity, scanner: f.scanner, sha256: r.sha256 };
      if (r.artifact.commit) properties.commit = r.artifact.commit;
      if (f.module !== undefined) properties.module = f.module;
      if (f.operator !== undefined) properties.operator = f.operator;
      if (f.use !== undefined) properties.use = f.use;
      if (f.location?.member !== undefined) properties.member = f.location.member;
      if (f.location?.offset !== undefined) properties.offset = f.location.offset;
      const result: Sarif.Result = {
        ruleId: f.rule,
        ruleIndex: ruleIndex.get(f.rule)!,
        level: SARIF_LEVEL[f.severity],
        message: { text: message(f) },
        locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(rel(f.path)), uriBaseId: SRCROOT }, region: { startLine: 1 } } }],
        partialFingerprints: { 'modelscanGuard/v1': fingerprint(f, r.sha256) },
        properties,
      };
      if (allowed) result.suppressions = [{ kind: 'external', status: 'accepted', justification: allowed.reason }];
      results.push(result);
    }
  }

  const notifications: Sarif.Notification[] = [...report.results.flatMap((r) => r.errors), ...report.errors].map((e) => ({
    level: 'error',
    message: { text: `${e.path}${e.member ? `:${e.member}` : ''} could not be fully analysed (${e.kind}): ${e.message}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(rel(e.path)), uriBaseId: SRCROOT } } }],
    descriptor: { id: `modelscan-guard/${e.kind}` },
  }));

  const log: Sarif.Log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'modelscan-guard', semanticVersion: report.version, version: report.version, rules: docs.map((d) => ruleDescriptor(d, worst.get(d.id) ?? 'HIGH')) } },
        originalUriBaseIds: { [SRCROOT]: { uri: baseUri(base) } },
        invocations: [{ executionSuccessful: notifications.length === 0, startTimeUtc: report.startedAt.toISOString(), toolExecutionNotifications: notifications }],
        artifacts,
        results,
        properties: { failOn: report.failOn, blocking: report.tally.blocking },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
