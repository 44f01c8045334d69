/**
 * Classifies one imported pickle global against the policy data (policy-data.ts): dangerous (deny list,
 * checked first), safe (allow list) or unknown (default deny: the caller reports it at MEDIUM).
 *
 * Protocol >= 4 resolves `name` as an attribute path (`_getattribute(module, 'a.b.c')`), so a dotted name can
 * walk from a harmless module into a dangerous one: `tempfile` + `_os.system` is `os.system`,
 * `torch` + `serialization.os.system` too. A dotted global is therefore judged on every (module, name) pair
 * the path could stand for, and is never safe unless an allow entry lists that exact dotted name.
 */
import { severityRank, type Severity } from '../../types.js';
import { ALLOW, CODE_BEARING, DENY, type AllowEntry, type DenyEntry } from './policy-data.js';

export type GlobalClassification =
  | { verdict: 'safe' }
  | { verdict: 'dangerous'; severity: Severity; reason: string; codeBearing: boolean; entry: DenyEntry }
  | { verdict: 'unknown' };

export interface ExtraPolicy {
  allow?: readonly AllowEntry[];
  deny?: readonly DenyEntry[];
}

export function classifyGlobal(module: string, name: string, extra?: ExtraPolicy): GlobalClassification {
  const hit = worstDenyHit(module, name, extra?.deny);
  if (hit !== null) {
    return { verdict: 'dangerous', severity: hit.entry.severity, reason: hit.entry.reason, codeBearing: hit.codeBearing, entry: hit.entry };
  }
  if (isAllowed(module, name, ALLOW) || (extra?.allow !== undefined && isAllowed(module, name, extra.allow))) {
    return { verdict: 'safe' };
  }
  return { verdict: 'unknown' };
}

// ---------------------------------------------------------------------------------------------------------
// Deny side

interface DenyHit {
  entry: DenyEntry;
  codeBearing: boolean;
}

/** Deny entries grouped by their module, so a candidate only looks at entries for itself and its parents. */
type DenyIndex = ReadonlyMap<string, readonly DenyHit[]>;

function indexDeny(entries: readonly DenyEntry[], codeBearing: boolean, into = new Map<string, DenyHit[]>()): Map<string, DenyHit[]> {
  for (const entry of entries) {
    const list = into.get(entry.module) ?? [];
    list.push({ entry, codeBearing });
    into.set(entry.module, list);
  }
  return into;
}

const BUILTIN_DENY: DenyIndex = indexDeny(CODE_BEARING, true, indexDeny(DENY, false));

/**
 * Attributes that lead out of an object into interpreter internals: the classic sandbox-escape steps.
 * No model needs them in an imported name, and a '*' or 'classes' allowance must not cover them.
 */
const ESCAPE_ATTRIBUTES: ReadonlySet<string> = new Set([
  '__globals__',
  '__builtins__',
  '__subclasses__',
  '__getattribute__',
  '__dict__',
  '__class__',
  '__base__',
  '__bases__',
  '__mro__',
  '__code__',
  '__closure__',
  '__func__',
  '__self__',
  '__loader__',
  '__spec__',
  '__reduce__',
  '__reduce_ex__',
  '__import__',
  'f_globals',
  'f_builtins',
  'f_back',
  'gi_frame',
  'cr_frame',
  'tb_frame',
  'func_globals',
]);

const ESCAPE_ENTRY_REASON =
  'the name walks into interpreter internals (globals, builtins, class hierarchy): a sandbox-escape path';

function worstDenyHit(module: string, name: string, extraDeny: readonly DenyEntry[] | undefined): DenyHit | null {
  const extraIndex = extraDeny !== undefined && extraDeny.length > 0 ? indexDeny(extraDeny, false) : null;
  let worst: DenyHit | null = escapeHit(module, name);
  for (const [candidateModule, candidateName] of candidatePairs(module, name)) {
    for (const index of extraIndex === null ? [BUILTIN_DENY] : [BUILTIN_DENY, extraIndex]) {
      for (const hit of denyHitsFor(index, candidateModule, candidateName)) worst = worse(worst, hit);
    }
  }
  return worst;
}

/** Entries for the module and each of its parent packages whose names cover the name's first component. */
function* denyHitsFor(index: DenyIndex, module: string, name: string): Generator<DenyHit> {
  const first = firstComponent(name);
  let prefix = module;
  for (;;) {
    for (const hit of index.get(prefix) ?? []) {
      if (hit.entry.names === '*' || hit.entry.names.includes(first)) yield hit;
    }
    const dot = prefix.lastIndexOf('.');
    if (dot < 0) return;
    prefix = prefix.slice(0, dot);
  }
}

/** Highest severity wins; on a tie, a code-bearing entry says more about the file. */
function worse(current: DenyHit | null, next: DenyHit): DenyHit {
  if (current === null) return next;
  const diff = severityRank(next.entry.severity) - severityRank(current.entry.severity);
  if (diff !== 0) return diff > 0 ? next : current;
  return next.codeBearing && !current.codeBearing ? next : current;
}

function escapeHit(module: string, name: string): DenyHit | null {
  const attribute = name.split('.').find((part) => ESCAPE_ATTRIBUTES.has(part));
  if (attribute === undefined) return null;
  return { entry: { module, names: [attribute], severity: 'HIGH', reason: ESCAPE_ENTRY_REASON }, codeBearing: false };
}

/**
 * Every (module, name) the global could resolve to. For `name = a.b.c` imported from `m`:
 * (m, a.b.c) itself; the path rooted at m: (m, a), (m.a, b), (m.a.b, c); and the path rooted at each of its
 * own components, since any attribute on the way may be an imported module: (a, b), (a.b, c), (b, c).
 * The last group goes beyond the spec'd (a, b), (a.b, c) on purpose: `torch` + `serialization.os.system`
 * only reveals `os.system` when rooted at `os`. Each pair is also tried with leading underscores stripped
 * from every component (`tempfile` + `_os.system`, `_pickle` + `loads`).
 */
export function candidatePairs(module: string, name: string): Array<readonly [string, string]> {
  const pairs: Array<readonly [string, string]> = [[module, name]];
  const parts = name.split('.');
  if (parts.length > 1) {
    const moduleParts = module.split('.');
    for (let i = 0; i < parts.length; i++) {
      pairs.push([[...moduleParts, ...parts.slice(0, i)].join('.'), parts[i] ?? '']);
      for (let root = 0; root < i; root++) pairs.push([parts.slice(root, i).join('.'), parts[i] ?? '']);
    }
  }
  const stripped = pairs.map(([m, n]) => [stripUnderscores(m), stripUnderscores(n)] as const);
  return [...pairs, ...stripped.filter(([m, n], i) => m !== pairs[i]?.[0] || n !== pairs[i]?.[1])];
}

function stripUnderscores(path: string): string {
  return path
    .split('.')
    .map((part) => part.replace(/^_+/, ''))
    .join('.');
}

function firstComponent(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? name : name.slice(0, dot);
}

// ---------------------------------------------------------------------------------------------------------
// Allow side

function isAllowed(module: string, name: string, entries: readonly AllowEntry[]): boolean {
  return entries.some((entry) => allowMatches(entry, module, name));
}

function allowMatches(entry: AllowEntry, module: string, name: string): boolean {
  if (entry.names === '*') return module === entry.module && !name.includes('.');
  if (entry.names === 'classes') return isWithin(module, entry.module) && looksLikeClass(name);
  // An exact list is the only way a dotted name can be safe: it must be spelled out in full.
  return module === entry.module && entry.names.includes(name);
}

function isWithin(module: string, packageName: string): boolean {
  return module === packageName || module.startsWith(`${packageName}.`);
}

/** A plain attribute whose name starts with an uppercase letter: how Python spells classes. */
function looksLikeClass(name: string): boolean {
  return !name.includes('.') && /^[A-Z]/.test(name);
}
