/**
 * Verdicts cached by content: (content id, engine fingerprint, policy hash) → what the scan found. A content id is
 * a git blob id or an LFS sha256, so re-pushing, rebasing or renaming a model costs a file lookup.
 *
 * One small JSON file per entry under `<git common dir>/modelscan-guard/cache/`, written to a temporary name and
 * renamed (atomic on POSIX): concurrent hooks never read half an entry. Results that depend on more than the
 * content (I/O failures, unresolved LFS objects) are never cached. A corrupt entry is ignored and rescanned.
 * The key includes the path's name-hint class (name-hint.ts): the same bytes named `x.safetensors` and
 * `notes.txt` get separate verdicts. Text and other non-model blobs are cached too: a re-push of many commits
 * then reads no blob at all.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Finding, FormatId, ScanError, ScanResult, Skip } from '../types.js';
import { nameHintClass } from './name-hint.js';

interface Entry {
  formats: FormatId[];
  sha256: string;
  findings: Omit<Finding, 'path'>[];
  errors: Omit<ScanError, 'path'>[];
  skipped?: Omit<Skip, 'path'>;
  /** Source-specific facts worth keeping with the verdict (e.g. the LFS object behind a pointer blob). */
  meta?: Record<string, unknown>;
}

export type CachedVerdict = Omit<ScanResult, 'artifact'> & { meta?: Record<string, unknown> };

const UNCACHEABLE: ReadonlySet<ScanError['kind']> = new Set(['io', 'unresolved-lfs']);

let fingerprint: string | null = null;
/**
 * The package version plus the names, sizes and mtimes of the engine's own compiled files: an upgrade, or a
 * rebuild during development, invalidates every verdict without anyone bumping a number.
 */
export function engineFingerprint(version: string): string {
  if (fingerprint !== null) return fingerprint;
  const h = createHash('sha256').update(version);
  const root = dirname(dirname(fileURLToPath(import.meta.url)));
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.js')) h.update(`${p.slice(root.length)}\0${st.size}\0${st.mtimeMs}\0`);
    }
  };
  try {
    walk(root);
  } catch {
    // An unreadable install still gets a version-keyed cache.
  }
  fingerprint = h.digest('hex').slice(0, 16);
  return fingerprint;
}

export class VerdictCache {
  private readonly madeDirs = new Set<string>();

  constructor(
    private readonly dir: string,
    /** Everything besides the content that decides a verdict: engine fingerprint and policy hash. */
    private readonly salt: string,
  ) {}

  private file(contentId: string, path: string): string {
    const key = createHash('sha256').update(`${contentId}\0${nameHintClass(path)}\0${this.salt}`).digest('hex');
    return join(this.dir, key.slice(0, 2), `${key.slice(2)}.json`);
  }

  get(contentId: string, path: string): CachedVerdict | undefined {
    let e: Entry;
    try {
      e = JSON.parse(readFileSync(this.file(contentId, path), 'utf8')) as Entry;
      if (!Array.isArray(e.findings) || !Array.isArray(e.errors) || !Array.isArray(e.formats)) return undefined;
    } catch {
      return undefined;
    }
    const out: CachedVerdict = {
      formats: e.formats,
      sha256: e.sha256,
      findings: e.findings.map((f) => ({ ...f, path })),
      errors: e.errors.map((x) => ({ ...x, path })),
    };
    if (e.skipped) out.skipped = { ...e.skipped, path };
    if (e.meta) out.meta = e.meta;
    return out;
  }

  put(contentId: string, r: ScanResult, meta?: Record<string, unknown>): void {
    if (r.errors.some((e) => UNCACHEABLE.has(e.kind))) return;
    const strip = <T extends { path: string }>(x: T): Omit<T, 'path'> => {
      const { path: _drop, ...rest } = x;
      return rest;
    };
    const entry: Entry = { formats: r.formats, sha256: r.sha256, findings: r.findings.map(strip), errors: r.errors.map(strip) };
    if (r.skipped) entry.skipped = strip(r.skipped);
    if (meta) entry.meta = meta;
    const file = this.file(contentId, r.artifact.path);
    try {
      const dir = dirname(file);
      if (!this.madeDirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.madeDirs.add(dir);
      }
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, JSON.stringify(entry));
      renameSync(tmp, file);
    } catch {
      // A cache that cannot be written (read-only repository, full disk) only costs a rescan next time.
    }
  }
}

/** A stable hash of the policy inputs that change what a scan finds (not failOn or allow: those apply after). */
export function policyHash(parts: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])])) : v;
  return createHash('sha256').update(JSON.stringify(stable(parts))).digest('hex').slice(0, 16);
}
