/**
 * Keras 3 `.keras` archives, over an already-open member list: the zip reader (a container scanner) hands
 * in the member names and a way to read a small member's bytes; this module judges the archive's layout and
 * its config.json / metadata.json. model.weights.h5 is not read here: the container scans it through the
 * engine (sniffed as HDF5, read by the H5 scanner).
 *
 * Layout written by Keras 3 (saving_lib): config.json, metadata.json, model.weights.h5 (or
 * model.weights.npz), and an optional assets/ tree.
 */
import type { FormatLimits } from '../../engine/limits.js';
import { Emitter, FormatError } from '../emit.js';
import { joinMember, type ScanContext, type ScannerOutput } from '../scanner.js';
import { checkKerasTree, KERAS_RULES, type KerasIssue } from './config-check.js';
import { parseJsonText } from './json-text.js';

export interface KerasV3Archive {
  /** Every member name, as listed by the archive's central directory (duplicates included). */
  members: readonly string[];
  /** Bytes of a member, or null when absent. Called only for config.json and metadata.json. */
  read(name: string): Uint8Array | null;
  /** The first bytes (a few are enough) of any other member, to tell executables by their magic numbers. */
  head?(name: string): Uint8Array | null;
}

/** What Keras itself writes; every other member is looked at (its name, and its first bytes when given). */
const KERAS_MEMBERS = new Set(['config.json', 'metadata.json', 'model.weights.h5', 'model.weights.npz']);

export interface KerasV3Result {
  /** `member`: the member an issue was found in (config.json, metadata.json); absent for the member list. */
  issues: (KerasIssue & { member?: string })[];
  /** Problems that stop part of the analysis: broken JSON, a limit. Errors, never clean. */
  errors: { kind: 'parse' | 'limit' | 'unsupported'; message: string; member?: string }[];
}

/** A zip is a Keras 3 archive when config.json and metadata.json sit at its root (what keras.saving checks). */
export function isKerasV3Layout(members: readonly string[]): boolean {
  return members.includes('config.json') && members.includes('metadata.json');
}

/** Extensions of members a Keras archive never contains and a loader or a user might run. */
const CODE_EXT = /\.(?:py|pyc|pyo|pyw|pyx|so|pyd|dll|dylib|exe|bat|cmd|com|ps1|sh|bash|zsh|vbs|js|jar|elf)$/i;
const PICKLE_EXT = /\.(?:pkl|pickle|pck|joblib|dill|pt|pth|ckpt|npy)$/i;
/** Magic numbers of executables, checked when the reader can give a member's first bytes. */
const EXEC_MAGIC: readonly [string, number[]][] = [
  ['ELF executable', [0x7f, 0x45, 0x4c, 0x46]],
  ['Windows executable', [0x4d, 0x5a]],
  ['script with a #! line', [0x23, 0x21]],
  ['Mach-O executable', [0xcf, 0xfa, 0xed, 0xfe]],
];

/** Judges the member list: code, scripts, executables and pickles have no place in a .keras file. */
export function checkKerasV3Members(members: readonly string[]): KerasIssue[] {
  const issues: KerasIssue[] = [];
  for (const name of members) {
    const base = name.split('/').pop() ?? name;
    if (CODE_EXT.test(base)) {
      issues.push({ severity: 'HIGH', rule: KERAS_RULES.member, description: `member ${name} is code or an executable, which a Keras archive never contains` });
    } else if (PICKLE_EXT.test(base)) {
      issues.push({ severity: 'HIGH', rule: KERAS_RULES.member, description: `member ${name} is a pickle-based file, which a Keras archive never contains (scanned on its own too)` });
    }
  }
  return issues;
}

/** Judges a member's first bytes: an executable under an innocent name is still an executable. */
export function checkExecutableMagic(name: string, head: Uint8Array): KerasIssue | null {
  for (const [what, magic] of EXEC_MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b)) {
      return { severity: 'HIGH', rule: KERAS_RULES.member, description: `member ${name} is an ${what}, which a Keras archive never contains` };
    }
  }
  return null;
}

/** The whole check of a .keras archive except its weights: member list, config.json and metadata.json. */
export function analyseKerasV3(archive: KerasV3Archive, limits: FormatLimits): KerasV3Result {
  const out: KerasV3Result = { issues: checkKerasV3Members(archive.members), errors: [] };
  const named = new Set(out.issues.map((i) => i.description));
  for (const name of new Set(archive.members)) {
    if (KERAS_MEMBERS.has(name) || name.endsWith('/')) continue;
    const head = archive.head?.(name);
    const issue = head ? checkExecutableMagic(name, head) : null;
    // One finding per member: a .sh with a #! line is already reported by its name.
    if (issue && ![...named].some((d) => d.startsWith(`member ${name} `))) out.issues.push(issue);
  }
  for (const name of ['config.json', 'metadata.json']) {
    const copies = archive.members.filter((m) => m === name).length;
    if (copies > 1) {
      out.errors.push({ kind: 'parse', member: name, message: `${copies} members are named ${name}: loaders disagree on which one they read` });
    }
    const bytes = archive.read(name);
    if (bytes === null) {
      if (name === 'config.json') out.errors.push({ kind: 'parse', message: 'no config.json: not a Keras 3 archive a loader accepts' });
      continue;
    }
    try {
      const tree = parseJsonText(bytes, name, limits.maxJsonBytes);
      if (name === 'config.json' && (tree === null || typeof tree !== 'object' || Array.isArray(tree))) {
        throw new FormatError('parse', 'config.json is not a JSON object');
      }
      const r = checkKerasTree(tree, name, limits);
      out.issues.push(...r.issues.map((i) => ({ ...i, member: name })));
      if (r.limitHit) out.errors.push({ kind: 'limit', member: name, message: r.limitHit });
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      out.errors.push({ kind: err.kind, member: name, message: err.message });
    }
  }
  return out;
}

/**
 * The result as the findings and errors of scanner `keras-v3`, for the container scanner that read the
 * archive: issues about config.json / metadata.json are located in that member, member-list issues in the
 * archive itself (ctx.member, undefined at top level).
 */
export function kerasV3Output(result: KerasV3Result, ctx: Pick<ScanContext, 'path' | 'member'>): ScannerOutput {
  const emitters = new Map<string, Emitter>();
  const at = (member: string | undefined): Emitter => {
    const key = member ?? '';
    let em = emitters.get(key);
    if (!em) {
      em = new Emitter('keras-v3', member === undefined ? ctx : { path: ctx.path, member: joinMember(ctx.member, member) });
      emitters.set(key, em);
    }
    return em;
  };
  for (const i of result.issues) at(i.member).finding(i.severity, i.rule, i.description, i);
  for (const e of result.errors) at(e.member).error(e.kind, e.message);
  const all = [...emitters.values()];
  return { findings: all.flatMap((e) => e.findings), errors: all.flatMap((e) => e.errors) };
}
