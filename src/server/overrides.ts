/**
 * Whether a pusher's override request is granted, and the audit trail of those that are. The policy is the
 * server's: overrides must be enabled, optionally for listed users only, and every override needs a reason.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServerConfig } from '../config/schema.js';
import type { GuardReport } from '../guard/run.js';
import type { OverrideRequest } from './push-options.js';

/** Variables hosting platforms set to the pushing user's name. */
const USER_VARIABLES = ['GL_USERNAME', 'GITEA_PUSHER_NAME', 'GITHUB_USER_LOGIN'];

export function pusherName(env: NodeJS.ProcessEnv, server: ServerConfig | undefined): string | undefined {
  const vars = server?.overrides?.userVariable ? [server.overrides.userVariable, ...USER_VARIABLES] : USER_VARIABLES;
  for (const v of vars) {
    const value = env[v];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

export type OverrideDecision = { granted: true; sha256: Set<string>; reason: string; user?: string } | { granted: false; why: string };

export function decideOverride(req: OverrideRequest, server: ServerConfig | undefined, user: string | undefined): OverrideDecision {
  if (!server?.overrides?.enabled) return { granted: false, why: 'overrides are not enabled on this server: ask an administrator to allow the file in the server policy' };
  if (req.invalid.length > 0) return { granted: false, why: `unrecognised push option ${JSON.stringify(req.invalid[0])} (expected modelscan-guard.allow=<sha256> and modelscan-guard.reason=<text>)` };
  if (req.sha256.length === 0) return { granted: false, why: 'no modelscan-guard.allow=<sha256> option was given' };
  if (!req.reason) return { granted: false, why: 'an override needs a reason: add -o modelscan-guard.reason="why this file is safe"' };
  const users = server.overrides.users;
  if (users !== undefined) {
    if (user === undefined) return { granted: false, why: 'overrides are limited to listed users and this server did not say who is pushing' };
    if (!users.includes(user)) return { granted: false, why: `user ${JSON.stringify(user)} may not override (ask one of the listed users or an administrator)` };
  }
  return { granted: true, sha256: new Set(req.sha256), reason: req.reason, ...(user !== undefined ? { user } : {}) };
}

export interface AuditRecord {
  time: string;
  user: string | null;
  repository: string;
  refs: { ref: string; old: string; new: string }[];
  paths: string[];
  sha256: string;
  reason: string;
}

/**
 * Appends one JSON line per record. Each line is written by a single write(2) on an O_APPEND descriptor, which
 * places it at the end of the file as one piece even when several pushes append at once.
 */
export function appendAudit(file: string, records: readonly AuditRecord[]): void {
  if (records.length === 0) return;
  mkdirSync(dirname(file), { recursive: true });
  for (const r of records) appendFileSync(file, `${JSON.stringify(r)}\n`, { flag: 'a', mode: 0o640 });
}

export interface OverrideContext {
  repository: string;
  refs: AuditRecord['refs'];
  auditLog: string | undefined;
}

/**
 * Applies a granted override to the push's report. It takes effect only when it is enough for the whole push to
 * pass and its audit lines are written: an override that would not change the outcome, or could not leave its
 * trace, changes nothing. Returns the messages for the pusher.
 */
export function applyOverride(report: GuardReport, decision: Extract<OverrideDecision, { granted: true }>, ctx: OverrideContext): string[] {
  const messages: string[] = [];
  const covered = report.results.filter((r) => r.blocks && decision.sha256.has(r.sha256));
  const unused = [...decision.sha256].filter((h) => !covered.some((r) => r.sha256 === h));
  if (unused.length > 0) messages.push(`modelscan-guard: no blocked file of this push has sha256 ${unused.map((h) => `${h.slice(0, 12)}…`).join(', ')}; nothing was overridden for it`);
  if (covered.length === 0) return messages;
  if (report.results.some((r) => r.blocks && !decision.sha256.has(r.sha256))) {
    messages.push('modelscan-guard: override not applied: other files of this push are blocked too');
    return messages;
  }
  if (ctx.auditLog === undefined) {
    messages.push('modelscan-guard: override refused: the server has no audit log configured (server.auditLog), and overrides must leave a trace');
    return messages;
  }
  const time = new Date().toISOString();
  const records: AuditRecord[] = [...new Set(covered.map((r) => r.sha256))].map((sha) => ({
    time,
    user: decision.user ?? null,
    repository: ctx.repository,
    refs: ctx.refs,
    paths: covered.filter((r) => r.sha256 === sha).map((r) => r.candidate.path),
    sha256: sha,
    reason: decision.reason,
  }));
  try {
    appendAudit(ctx.auditLog, records);
  } catch (err) {
    messages.push(`modelscan-guard: override refused: the audit log could not be written (${(err as Error).message})`);
    return messages;
  }
  for (const r of covered) {
    r.blocks = false;
    r.allowed = { sha256: r.sha256, reason: `push override by ${decision.user ?? 'an unnamed user'}: ${decision.reason}` };
  }
  report.blocked = report.results.some((r) => r.blocks);
  messages.push(`modelscan-guard: override recorded in the audit log for ${records.map((r) => `${r.paths.join(', ')} (sha256 ${r.sha256.slice(0, 12)}…)`).join('; ')}`);
  return messages;
}
