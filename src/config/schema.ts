/**
 * The configuration a user writes, validated with errors that name the key and what was expected.
 * Found by discovery (./discover.ts) or given with --config.
 */
import { DEFAULT_LIMITS, type Limits } from '../engine/limits.js';
import type { AllowEntry, DenyEntry } from '../scanners/pickle/policy-data.js';
import { SEVERITIES, type Severity } from '../types.js';

/** What to do with an LFS pointer whose object is not in the local store. */
export const LFS_MISSING = ['block', 'warn', 'fetch'] as const;
export type LfsMissing = (typeof LFS_MISSING)[number];

/** An artifact allowed on purpose, keyed by its content (never by its path or position). */
export interface ArtifactAllow {
  sha256: string;
  reason: string;
  /** Where it was when allowed: information for readers, not a key. */
  path?: string;
  /** When it was allowed (ISO date), for readers. */
  added?: string;
}

export interface ServerConfig {
  /** Push-option overrides (`git push -o modelscan-guard.allow=<sha256> -o modelscan-guard.reason=...`). */
  overrides?: { enabled: boolean; users?: string[]; userVariable?: string };
  /** JSON-lines file every accepted override is appended to. */
  auditLog?: string;
  budget?: { timeSeconds?: number; bytes?: number; onExceed?: 'block' | 'allow'; cacheOnly?: boolean };
  lfsStore?: { dir: string; layout?: 'git-lfs' | 'gitlab' };
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface Config {
  /** Lowest severity that blocks. */
  failOn?: Severity;
  /** Only paths matching one of these globs are scanned (default: everything). */
  include?: string[];
  /** Paths matching these globs are not scanned (reported as excluded). */
  exclude?: string[];
  allow?: ArtifactAllow[];
  lfs?: { missing?: LfsMissing; verify?: boolean };
  /** Overrides of the engine's bounds (src/engine/limits.ts), same shape. */
  limits?: DeepPartial<Limits>;
  /** pre-receive only; read from the server's own config file, never from pushed content. */
  server?: ServerConfig;
  pickle?: {
    /** Globals known safe in this project (its own classes). Deny still wins. */
    allow?: AllowEntry[];
    /** Globals to treat as dangerous, on top of the built-in list. */
    deny?: DenyEntry[];
  };
}

export class ConfigError extends Error {}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectKeys(v: Record<string, Json>, allowed: string[], where: string): void {
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) throw new ConfigError(`${where}.${k}: unknown key (expected one of ${allowed.join(', ')})`);
  }
}

function nonEmptyString(v: Json, where: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(`${where}: expected a non-empty string, got ${JSON.stringify(v)}`);
  return v;
}

const MODULE_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function names(v: Json, where: string, allowClasses: boolean): AllowEntry['names'] {
  if (v === '*' || (allowClasses && v === 'classes')) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'string' && n !== '')) return v as string[];
  throw new ConfigError(`${where}: expected "*"${allowClasses ? ', "classes"' : ''} or a non-empty list of names, got ${JSON.stringify(v)}`);
}

function moduleOf(v: Json, where: string): string {
  const m = nonEmptyString(v, where);
  if (!MODULE_PATH.test(m)) throw new ConfigError(`${where}: expected a dotted module path like "mypackage.models", got ${JSON.stringify(m)}`);
  return m;
}

function severity(v: Json, where: string): Severity {
  const s = typeof v === 'string' ? v.toUpperCase() : v;
  if (typeof s !== 'string' || !(SEVERITIES as readonly string[]).includes(s)) {
    throw new ConfigError(`${where}: expected one of ${SEVERITIES.join(', ')}, got ${JSON.stringify(v)}`);
  }
  return s as Severity;
}

function serverConfig(v: Json, where: string): ServerConfig {
  if (!isObject(v)) throw new ConfigError(`${where}: expected an object`);
  expectKeys(v, ['overrides', 'auditLog', 'budget', 'lfsStore'], where);
  const out: ServerConfig = {};
  if (v.overrides !== undefined) {
    const o = v.overrides;
    const w = `${where}.overrides`;
    if (!isObject(o)) throw new ConfigError(`${w}: expected {"enabled": true, "users": [...]}`);
    expectKeys(o, ['enabled', 'users', 'userVariable'], w);
    if (typeof o.enabled !== 'boolean') throw new ConfigError(`${w}.enabled: expected true or false, got ${JSON.stringify(o.enabled)}`);
    out.overrides = { enabled: o.enabled };
    if (o.users !== undefined) {
      if (!Array.isArray(o.users) || !o.users.every((u) => typeof u === 'string' && u !== '')) throw new ConfigError(`${w}.users: expected a list of user names`);
      out.overrides.users = o.users as string[];
    }
    if (o.userVariable !== undefined) {
      const name = nonEmptyString(o.userVariable, `${w}.userVariable`);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new ConfigError(`${w}.userVariable: expected an environment variable name, got ${JSON.stringify(name)}`);
      out.overrides.userVariable = name;
    }
  }
  if (v.auditLog !== undefined) out.auditLog = nonEmptyString(v.auditLog, `${where}.auditLog`);
  if (v.budget !== undefined) {
    const b = v.budget;
    const w = `${where}.budget`;
    if (!isObject(b)) throw new ConfigError(`${w}: expected {"timeSeconds": 60, "bytes": ..., "onExceed": "block"}`);
    expectKeys(b, ['timeSeconds', 'bytes', 'onExceed', 'cacheOnly'], w);
    out.budget = {};
    for (const k of ['timeSeconds', 'bytes'] as const) {
      if (b[k] === undefined) continue;
      if (typeof b[k] !== 'number' || !((b[k] as number) > 0) || !Number.isFinite(b[k])) throw new ConfigError(`${w}.${k}: expected a positive number, got ${JSON.stringify(b[k])}`);
      out.budget[k] = b[k] as number;
    }
    if (b.onExceed !== undefined) {
      if (b.onExceed !== 'block' && b.onExceed !== 'allow') throw new ConfigError(`${w}.onExceed: expected "block" (fail closed) or "allow" (fail open), got ${JSON.stringify(b.onExceed)}`);
      out.budget.onExceed = b.onExceed;
    }
    if (b.cacheOnly !== undefined) {
      if (typeof b.cacheOnly !== 'boolean') throw new ConfigError(`${w}.cacheOnly: expected true or false`);
      out.budget.cacheOnly = b.cacheOnly;
    }
  }
  if (v.lfsStore !== undefined) {
    const l = v.lfsStore;
    const w = `${where}.lfsStore`;
    if (!isObject(l)) throw new ConfigError(`${w}: expected {"dir": "/path/to/lfs-objects", "layout": "git-lfs" | "gitlab"}`);
    expectKeys(l, ['dir', 'layout'], w);
    out.lfsStore = { dir: nonEmptyString(l.dir, `${w}.dir`) };
    if (l.layout !== undefined) {
      if (l.layout !== 'git-lfs' && l.layout !== 'gitlab') throw new ConfigError(`${w}.layout: expected "git-lfs" (aa/bb/<oid>) or "gitlab" (aa/bb/<oid without its first 4 characters>), got ${JSON.stringify(l.layout)}`);
      out.lfsStore.layout = l.layout;
    }
  }
  return out;
}

function globs(v: Json, where: string): string[] {
  if (!Array.isArray(v) || !v.every((g) => typeof g === 'string' && g.trim() !== '')) {
    throw new ConfigError(`${where}: expected a list of glob patterns like ["models/**", "*.pt"], got ${JSON.stringify(v)}`);
  }
  return v as string[];
}

export function artifactAllows(v: Json, where: string): ArtifactAllow[] {
  if (!Array.isArray(v)) throw new ConfigError(`${where}: expected a list of {sha256, reason}`);
  return v.map((e, i) => {
    const w = `${where}[${i}]`;
    if (!isObject(e)) throw new ConfigError(`${w}: expected {sha256, reason}`);
    expectKeys(e, ['sha256', 'reason', 'path', 'added'], w);
    const sha = nonEmptyString(e.sha256, `${w}.sha256`).toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha)) throw new ConfigError(`${w}.sha256: expected 64 hex digits (the sha256 of the file's content), got ${JSON.stringify(e.sha256)}`);
    const out: ArtifactAllow = { sha256: sha, reason: nonEmptyString(e.reason, `${w}.reason`) };
    if (e.path !== undefined) out.path = nonEmptyString(e.path, `${w}.path`);
    if (e.added !== undefined) out.added = nonEmptyString(e.added, `${w}.added`);
    return out;
  });
}

/** Limits take the defaults' shape: the same keys, positive integers at the leaves. */
function limitsOverride(v: Json, shape: Record<string, Json>, where: string): Record<string, Json> {
  if (!isObject(v)) throw new ConfigError(`${where}: expected an object with keys among ${Object.keys(shape).join(', ')}`);
  expectKeys(v, Object.keys(shape), where);
  const out: Record<string, Json> = {};
  for (const [k, val] of Object.entries(v)) {
    const def = shape[k];
    if (isObject(def)) out[k] = limitsOverride(val, def, `${where}.${k}`);
    else if (typeof val !== 'number' || !Number.isSafeInteger(val) || val <= 0) throw new ConfigError(`${where}.${k}: expected a positive whole number, got ${JSON.stringify(val)}`);
    else out[k] = val;
  }
  return out;
}

/** Defaults overlaid with a config's `limits`. */
export function effectiveLimits(override: DeepPartial<Limits> | undefined): Limits {
  const merge = (base: Record<string, unknown>, over: Record<string, unknown> | undefined): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(over ?? {})) out[k] = isObject(v as Json) ? merge(base[k] as Record<string, unknown>, v as Record<string, unknown>) : v;
    return out;
  };
  return merge(DEFAULT_LIMITS as unknown as Record<string, unknown>, override as Record<string, unknown> | undefined) as unknown as Limits;
}

export function validateConfig(raw: Json, source: string): Config {
  if (!isObject(raw)) throw new ConfigError(`${source}: expected an object at the top level`);
  expectKeys(raw, ['failOn', 'pickle', 'include', 'exclude', 'allow', 'lfs', 'limits', 'server'], source);
  const out: Config = {};
  if (raw.server !== undefined) out.server = serverConfig(raw.server, `${source}: server`);
  if (raw.failOn !== undefined) out.failOn = severity(raw.failOn, `${source}: failOn`);
  if (raw.include !== undefined) out.include = globs(raw.include, `${source}: include`);
  if (raw.exclude !== undefined) out.exclude = globs(raw.exclude, `${source}: exclude`);
  if (raw.allow !== undefined) out.allow = artifactAllows(raw.allow, `${source}: allow`);
  if (raw.lfs !== undefined) {
    const l = raw.lfs;
    if (!isObject(l)) throw new ConfigError(`${source}: lfs: expected an object like {"missing": "block"}`);
    expectKeys(l, ['missing', 'verify'], `${source}: lfs`);
    out.lfs = {};
    if (l.missing !== undefined) {
      if (typeof l.missing !== 'string' || !(LFS_MISSING as readonly string[]).includes(l.missing)) {
        throw new ConfigError(`${source}: lfs.missing: expected one of ${LFS_MISSING.join(', ')}, got ${JSON.stringify(l.missing)}`);
      }
      out.lfs.missing = l.missing as LfsMissing;
    }
    if (l.verify !== undefined) {
      if (typeof l.verify !== 'boolean') throw new ConfigError(`${source}: lfs.verify: expected true or false, got ${JSON.stringify(l.verify)}`);
      out.lfs.verify = l.verify;
    }
  }
  if (raw.limits !== undefined) out.limits = limitsOverride(raw.limits, DEFAULT_LIMITS as unknown as Record<string, Json>, `${source}: limits`) as DeepPartial<Limits>;
  if (raw.pickle !== undefined) {
    const p = raw.pickle;
    if (!isObject(p)) throw new ConfigError(`${source}: pickle: expected an object with "allow" and/or "deny"`);
    expectKeys(p, ['allow', 'deny'], `${source}: pickle`);
    out.pickle = {};
    if (p.allow !== undefined) {
      if (!Array.isArray(p.allow)) throw new ConfigError(`${source}: pickle.allow: expected a list of {module, names, reason}`);
      out.pickle.allow = p.allow.map((e, i) => {
        const where = `${source}: pickle.allow[${i}]`;
        if (!isObject(e)) throw new ConfigError(`${where}: expected {module, names, reason}`);
        expectKeys(e, ['module', 'names', 'reason'], where);
        return { module: moduleOf(e.module, `${where}.module`), names: names(e.names, `${where}.names`, true), reason: nonEmptyString(e.reason, `${where}.reason`) };
      });
    }
    if (p.deny !== undefined) {
      if (!Array.isArray(p.deny)) throw new ConfigError(`${source}: pickle.deny: expected a list of {module, names, severity, reason}`);
      out.pickle.deny = p.deny.map((e, i) => {
        const where = `${source}: pickle.deny[${i}]`;
        if (!isObject(e)) throw new ConfigError(`${where}: expected {module, names, severity, reason}`);
        expectKeys(e, ['module', 'names', 'severity', 'reason'], where);
        return {
          module: moduleOf(e.module, `${where}.module`),
          names: names(e.names, `${where}.names`, false) as DenyEntry['names'],
          severity: severity(e.severity, `${where}.severity`),
          reason: nonEmptyString(e.reason, `${where}.reason`),
        };
      });
    }
  }
  return out;
}
