/**
 * Whether a pusher's override request is granted, and the audit trail of those that are. The policy is the
 * server's: overrides must be enabled, optionally for listed users only, and every override needs a reason.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ServerConfig } from '../config/schema.js';
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
