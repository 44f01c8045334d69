/**
 * The configuration a user writes, validated with errors that name the key and what was expected.
 * (Discovery of config files in a repository builds on this; `scan --config FILE` reads one explicitly.)
 */
import type { AllowEntry, DenyEntry } from '../scanners/pickle/policy-data.js';
import { SEVERITIES, type Severity } from '../types.js';

export interface Config {
  /** Lowest severity that blocks. */
  failOn?: Severity;
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

export function validateConfig(raw: Json, source: string): Config {
  if (!isObject(raw)) throw new ConfigError(`${source}: expected an object at the top level`);
  expectKeys(raw, ['failOn', 'pickle'], source);
  const out: Config = {};
  if (raw.failOn !== undefined) out.failOn = severity(raw.failOn, `${source}: failOn`);
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
