/**
 * The guard's pipeline for git modes: candidate blobs → (LFS pointers resolved to their objects) → cached verdict
 * or engine scan → allow entries → what blocks. Modes differ only in the candidates they pass in.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { version } from '../version.js';
import { effectiveLimits, type ArtifactAllow, type Config, type LfsMissing } from '../config/schema.js';
import { engineFingerprint, policyHash, VerdictCache } from '../engine/cache.js';
import type { EngineOptions } from '../engine/scan.js';
import { BufferSource, FileSource } from '../io/byte-source.js';
import { commitsMentioningEncoding, workingTreeEncodings } from '../sources/git/attributes.js';
import { catFileBatch, type CatFileObject } from '../sources/git/cat-file.js';
import { pathsOf, type Candidate } from '../sources/git/changes.js';
import type { Repo } from '../sources/git/repo.js';
import { parsePointer, pointerHeadOf, POINTER_MAX_BYTES, type LfsPointer } from '../sources/lfs/pointer.js';
import { localStore, sha256OfFile, type LfsStore } from '../sources/lfs/store.js';
import { severityRank, type Artifact, type ScanError, type ScanResult, type Severity } from '../types.js';

export interface GuardOptions {
  repo: Repo;
  config: Config;
  /** Allow entries from the committed allow file (config `allow` entries are added to these). */
  allow: readonly ArtifactAllow[];
  /** Use and fill the verdict cache (default true). */
  cache?: boolean;
  /** Where LFS objects are found (default: the repository's own store). */
  lfsStore?: LfsStore;
  /** Per-run budgets (server mode): what is left when one runs out is reported, and blocks unless `onExceed: 'allow'`. */
  budget?: Budget;
}

export interface Budget {
  timeMs?: number;
  bytes?: number;
  onExceed: 'block' | 'allow';
  /** Scan nothing new: LFS pointer checks and cached verdicts only (GitHub Enterprise Server's 5 s hooks). */
  cacheOnly?: boolean;
}

/** One scanned (or unscannable) candidate, with what the policy made of it. */
export interface GuardResult extends ScanResult {
  candidate: Candidate;
  /** The LFS object behind the pointer, when the blob was one. */
  lfs?: LfsPointer;
  fromCache: boolean;
  /** Set when an allow entry matches the content: reported, never blocking. */
  allowed?: ArtifactAllow;
  /** Whether this result blocks. */
  blocks: boolean;
  /** Reported but not blocking: an unresolved LFS object under `lfs.missing: warn`, or a budget run out under `onExceed: 'allow'`. */
  warnedMissing?: boolean;
}

export interface GuardReport {
  results: GuardResult[];
  /** Candidates left out by include/exclude globs. */
  excluded: Candidate[];
  failOn: Severity;
  lfsMissing: LfsMissing;
  /** Blobs read and bytes scanned (LFS objects at their real size), for the summary. */
  blobs: number;
  bytes: number;
  elapsedMs: number;
  blocked: boolean;
}

/** Include/exclude globs, gitignore-style: a pattern without a slash matches the file name at any depth. */
export async function pathFilter(config: Config): Promise<(path: string) => boolean> {
  const opts = { dot: true, matchBase: true, nocomment: true };
  const inc = config.include ?? [];
  const exc = config.exclude ?? [];
  if (inc.length === 0 && exc.length === 0) return () => true;
  const { minimatch } = await import('minimatch'); // only repositories that configure globs pay for loading it
  return (path) => (inc.length === 0 || inc.some((g) => minimatch(path, g, opts))) && !exc.some((g) => minimatch(path, g, opts));
}

function missingLfsError(c: Candidate, p: LfsPointer, how: LfsMissing, store: LfsStore, detail?: string): ScanError {
  const base = `the LFS object ${p.oid} (${p.size} bytes) is not in ${store.label}, so the real file was not scanned`;
  return {
    path: c.path,
    scanner: 'lfs',
    kind: 'unresolved-lfs',
    message: detail ? `${base}: fetching it failed (${detail})` : how === 'warn' ? `${base} (lfs.missing: warn)` : `${base}; ${store.missingAdvice(c.path)}`,
  };
}

export async function runGuard(candidates: readonly Candidate[], opts: GuardOptions): Promise<GuardReport> {
  const started = process.hrtime.bigint();
  const { repo, config } = opts;
  const failOn = config.failOn ?? 'LOW';
  const lfsMissing = config.lfs?.missing ?? 'block';
  const limits = effectiveLimits(config.limits);
  const engine: EngineOptions = { limits, pickle: config.pickle ?? {} };
  const cache = opts.cache === false || candidates.length === 0 ? null : new VerdictCache(join(repo.commonDir, 'modelscan-guard', 'cache'), `${engineFingerprint(version())}:${policyHash({ pickle: config.pickle ?? {}, limits })}`);
  const allowBySha = new Map<string, ArtifactAllow>();
  for (const a of [...(config.allow ?? []), ...opts.allow]) allowBySha.set(a.sha256, a);

  // A blob is left out only when every path it was added at is: reported under the first path that is not.
  const keep = await pathFilter(config);
  const excluded: Candidate[] = [];
  const wanted: Candidate[] = [];
  for (const c of candidates) {
    const path = keep(c.path) ? c.path : c.otherPaths?.find(keep);
    if (path === undefined) excluded.push(c);
    else wanted.push(path === c.path ? c : { ...c, path });
  }
  const byOid = new Map(wanted.map((c) => [c.oid, c]));

  const store = opts.lfsStore ?? localStore(repo);
  const budget = opts.budget;
  /** Why nothing more may be scanned, once a budget has run out. */
  const overBudget = (): string | undefined => {
    if (!budget) return undefined;
    if (budget.cacheOnly) return 'this server runs in cache-only mode (scans are done by clients or CI, not within the push)';
    if (budget.timeMs !== undefined && Number(process.hrtime.bigint() - started) / 1e6 > budget.timeMs) return `the time budget of ${budget.timeMs} ms for this push ran out`;
    if (budget.bytes !== undefined && bytes > budget.bytes) return `the size budget of ${budget.bytes} bytes for this push ran out`;
    return undefined;
  };
  const results: GuardResult[] = [];
  const toFetch: { candidate: Candidate; pointer: LfsPointer; blobIds: string[] }[] = [];
  const reencodable: Candidate[] = [];
  /** .gitattributes blobs, and whether they name working-tree-encoding themselves. */
  const attributeFiles: { candidate: Candidate; setsEncoding: boolean }[] = [];
  let bytes = 0;

  /**
   * Scans (or takes the cached verdict of) one artifact. `contentIds` name the content: the first is looked up,
   * all are filled (an LFS object is known by its sha256 and by the pointer blob that names it).
   */
  const scanOne = async (candidate: Candidate, artifact: Artifact, contentIds: string[], lfs?: LfsPointer, extraErrors: ScanError[] = []): Promise<void> => {
    const cached = cache?.get(contentIds[0]!, candidate.path);
    let result: ScanResult;
    if (cached) {
      const { meta: _meta, ...verdict } = cached;
      result = { artifact, ...verdict };
    } else {
      const over = overBudget();
      if (over !== undefined) {
        const error: ScanError = { path: candidate.path, scanner: 'guard', kind: 'limit', message: `not scanned: ${over}` };
        results.push({ artifact, candidate, ...(lfs ? { lfs } : {}), formats: [], sha256: lfs?.oid ?? '', findings: [], errors: [error], fromCache: false, blocks: false, ...(budget?.onExceed === 'allow' ? { warnedMissing: true } : {}) });
        return;
      }
      // Loaded on first use: a hook whose blobs are all cached or not models never pays for the scanners.
      const { scanArtifact } = await import('../engine/scan.js');
      result = await scanArtifact(artifact, engine);
      result.errors.push(...extraErrors);
      for (const id of contentIds) cache?.put(id, result, lfs ? { lfs } : undefined);
      bytes += artifact.size;
    }
    results.push({ ...result, candidate, ...(lfs ? { lfs } : {}), fromCache: cached !== undefined, blocks: false });
  };

  const handle = async (obj: CatFileObject): Promise<void> => {
    const candidate = byOid.get(obj.name)!;
    const blobArtifact = (open: () => BufferSource | FileSource, size: number): Artifact => ({ path: candidate.path, origin: 'git-blob', size, ...(candidate.commit ? { commit: candidate.commit } : {}), open });
    if (obj.kind === 'missing') {
      const error: ScanError = { path: candidate.path, scanner: 'git', kind: 'io', message: `blob ${obj.name} is not in this repository` };
      results.push({ artifact: blobArtifact(() => new BufferSource(Buffer.alloc(0)), 0), candidate, formats: [], sha256: '', findings: [], errors: [error], fromCache: false, blocks: false });
      return;
    }
    // git-lfs decodes a pointer from a blob's first 1024 bytes whatever the blob's length (a pointer padded past
    // them is smudged like any other), so a blob too big to be held in memory is parsed from its head as well.
    const parsed = parsePointer(obj.kind === 'found-on-disk' ? pointerHeadOf(obj.file) : obj.content);
    const invalidPointer: ScanError[] =
      parsed.kind === 'invalid' ? [{ path: candidate.path, scanner: 'lfs', kind: 'parse', message: `looks like a Git LFS pointer but is not a valid one (${parsed.reason}); git-lfs would treat it as plain content` }] : [];
    // UTF-8 text with non-ASCII characters is what git's working-tree-encoding turns into other bytes on
    // checkout (ASCII pointers and pickles included): such blobs have their paths' attributes checked below.
    // Their verdicts are not cached under the blob id, which would skip that check on the next run.
    // A pointer with extension lines or bytes after its first 1024 is also read as the blob it is (below).
    const tail =
      parsed.kind === 'pointer' && (parsed.extensions > 0 || (obj.kind === 'found' ? hasContentAfter(obj.content, POINTER_MAX_BYTES) : fileHasContentAfter(obj.file, POINTER_MAX_BYTES)));
    const asContent = parsed.kind !== 'pointer' || tail;
    const suspect = asContent && (obj.kind === 'found-on-disk' || (isUtf8(obj.content) && !isAscii(obj.content)));
    if (suspect) reencodable.push(candidate);
    const attributesFile = pathsOf(candidate).some(isAttributesFile);
    if (attributesFile) attributeFiles.push({ candidate, setsEncoding: obj.kind !== 'found' || obj.content.includes('working-tree-encoding') });
    const contentIds = [suspect || attributesFile ? `recheck:${obj.oid}` : `blob:${obj.oid}`];
    if (obj.kind === 'found-on-disk' && parsed.kind !== 'pointer') {
      await scanOne(candidate, blobArtifact(() => new FileSource(obj.file), obj.size), contentIds, undefined, invalidPointer);
      return;
    }
    if (parsed.kind === 'pointer') {
      const p = parsed.pointer;
      // Bytes after the pointer's first 1024, or extension lines: git-lfs smudges the object (or, with an
      // extension it cannot apply, leaves the blob as it is), and a reader of the blob itself (a path without
      // filter=lfs) gets all of it. Both are scanned, neither cached under the blob's id alone.
      if (tail) {
        const error: ScanError = { path: candidate.path, scanner: 'lfs', kind: 'parse', message: `the blob holds more than a plain LFS pointer (${obj.size} bytes${parsed.extensions > 0 ? `, ${parsed.extensions} extension line(s)` : ''}): git-lfs may check out the object ${p.oid.slice(0, 12)}… or the blob itself, and other readers get the blob` };
        const whole = obj.kind === 'found' ? () => new BufferSource(obj.content) : () => new FileSource(obj.file);
        await scanOne(candidate, blobArtifact(whole, obj.size), [`blob-with-pointer:${obj.oid}`], undefined, [error]);
      }
      const blobIds = tail ? [] : [`blob:${obj.oid}`];
      const lfsArtifact = (file: string): Artifact => ({ path: candidate.path, origin: 'lfs-object', size: p.size, sha256: p.oid, ...(candidate.commit ? { commit: candidate.commit } : {}), open: () => new FileSource(file) });
      const found = store.lookup(p);
      if (found.kind === 'present') {
        const extra: ScanError[] = [];
        if (config.lfs?.verify && !cache?.get(`lfs:${p.oid}`, candidate.path)) {
          const actual = await sha256OfFile(found.file);
          if (actual !== p.oid) extra.push({ path: candidate.path, scanner: 'lfs', kind: 'io', message: `the stored LFS object's sha256 is ${actual}, not the pointer's ${p.oid}: the local store is corrupt or was tampered with` });
        }
        if (extra.length > 0) {
          results.push({ artifact: lfsArtifact(found.file), candidate, lfs: p, formats: [], sha256: p.oid, findings: [], errors: extra, fromCache: false, blocks: false });
          return;
        }
        await scanOne(candidate, lfsArtifact(found.file), [`lfs:${p.oid}`, ...blobIds], p);
        return;
      }
      if (found.kind === 'mismatch') {
        const error: ScanError = { path: candidate.path, scanner: 'lfs', kind: 'io', message: `the LFS object ${p.oid.slice(0, 12)}… does not match its pointer: ${found.reason}` };
        results.push({ artifact: lfsArtifact(found.file), candidate, lfs: p, formats: [], sha256: p.oid, findings: [], errors: [error], fromCache: false, blocks: false });
        return;
      }
      // A verdict cached for this object still holds without the bytes: a rebase or re-push needs no fetch.
      const cached = cache?.get(`lfs:${p.oid}`, candidate.path);
      if (cached) {
        const { meta: _meta, ...verdict } = cached;
        results.push({ artifact: lfsArtifact(found.file), ...verdict, candidate, lfs: p, fromCache: true, blocks: false });
        return;
      }
      if (lfsMissing === 'fetch' && store.fetch) {
        toFetch.push({ candidate, pointer: p, blobIds });
        return;
      }
      results.push({ artifact: lfsArtifact(found.file), candidate, lfs: p, formats: [], sha256: p.oid, findings: [], errors: [missingLfsError(candidate, p, lfsMissing, store)], fromCache: false, blocks: false, ...(lfsMissing === 'warn' ? { warnedMissing: true } : {}) });
      return;
    }
    if (obj.kind !== 'found') return;
    const content = obj.content;
    await scanOne(candidate, blobArtifact(() => new BufferSource(content), content.length), contentIds, undefined, invalidPointer);
  };

  // Verdicts cached under the blob id need no read at all: a re-push or a rebase costs one file lookup per blob.
  const toRead: string[] = [];
  for (const c of wanted) {
    const hit = cache?.get(`blob:${c.oid}`, c.path);
    if (!hit) {
      toRead.push(c.oid);
      continue;
    }
    const { meta, ...verdict } = hit;
    const lfs = meta?.lfs as LfsPointer | undefined;
    const artifact: Artifact = { path: c.path, origin: lfs ? 'lfs-object' : 'git-blob', size: lfs?.size ?? 0, ...(c.commit ? { commit: c.commit } : {}), open: () => new BufferSource(Buffer.alloc(0)) };
    results.push({ artifact, ...verdict, candidate: c, ...(lfs ? { lfs } : {}), fromCache: true, blocks: false });
  }
  for await (const obj of catFileBatch(toRead, { cwd: repo.cwd })) await handle(obj);

  if (toFetch.length > 0) {
    const failures = await store.fetch!(toFetch.map((f) => ({ pointer: f.pointer, path: f.candidate.path })));
    for (const { candidate, pointer, blobIds } of toFetch) {
      const found = store.lookup(pointer);
      const artifact: Artifact = { path: candidate.path, origin: 'lfs-object', size: pointer.size, sha256: pointer.oid, open: () => new FileSource(found.file) };
      if (found.kind === 'present') {
        const actual = await sha256OfFile(found.file); // fetched just now: check it is what the pointer names
        if (actual === pointer.oid) {
          await scanOne(candidate, artifact, [`lfs:${pointer.oid}`, ...blobIds], pointer);
          continue;
        }
      }
      const detail = failures.get(pointer.oid) ?? (found.kind === 'present' ? 'the downloaded content does not match the pointer' : 'git lfs did not store it');
      results.push({ artifact, candidate, lfs: pointer, formats: [], sha256: pointer.oid, findings: [], errors: [missingLfsError(candidate, pointer, 'fetch', store, detail)], fromCache: false, blocks: false });
    }
  }

  // The commits whose .gitattributes name working-tree-encoding at all: one git grep for both checks below.
  const mentioning =
    reencodable.length > 0 || attributeFiles.length > 0
      ? commitsMentioningEncoding(repo, [...new Set([...reencodable, ...attributeFiles.map((a) => a.candidate)].map((c) => c.commit))])
      : new Set<string | undefined>();
  if (reencodable.length > 0) {
    const pathsByCommit = new Map<string | undefined, string[]>();
    for (const c of reencodable) {
      const list = pathsByCommit.get(c.commit) ?? [];
      list.push(...pathsOf(c));
      pathsByCommit.set(c.commit, list);
    }
    const encodings = workingTreeEncodings(repo, pathsByCommit, mentioning);
    for (const c of reencodable) {
      const set = encodings.get(c.commit);
      const path = pathsOf(c).find((p) => set?.has(p));
      const result = results.find((r) => r.candidate.oid === c.oid);
      if (path === undefined || !result) continue;
      result.errors.push({
        path: c.path,
        scanner: 'git',
        kind: 'unsupported',
        message: `${path} is checked out re-encoded (working-tree-encoding=${set!.get(path)}): loaders read other bytes than the blob's (an LFS pointer or a pickle can appear), and this version does not convert them, so the file as checked out was not analysed`,
      });
    }
  }

  // A .gitattributes that sets working-tree-encoding changes how files already in the repository check out
  // (under patterns git may also match case-insensitively), which no scan of the new blobs covers; so does one
  // that uses a macro defined with it elsewhere (any .gitattributes of its commit naming the attribute).
  for (const { candidate: c, setsEncoding } of attributeFiles) {
    if (!setsEncoding && !mentioning.has(c.commit)) continue;
    results.find((r) => r.candidate.oid === c.oid)?.errors.push({
      path: c.path,
      scanner: 'git',
      kind: 'unsupported',
      message: 'sets working-tree-encoding (or sits beside attributes that do): git re-encodes the files it matches on checkout, those already in the repository included, and this version cannot analyse them as checked out (allow this exact file on purpose if the encodings are needed)',
    });
  }

  // An LFS object is known by its pointer's oid. Before an allow entry for that oid lets findings through, the
  // stored bytes must be what the oid names: otherwise any content could ride on an allowed oid.
  // A verdict cached without the bytes at hand was made on bytes that were checked then.
  const verified = new Map<string, boolean>();
  const lfsContentMatches = async (p: LfsPointer, fromCache: boolean): Promise<boolean> => {
    let ok = verified.get(p.oid);
    if (ok === undefined) {
      const found = store.lookup(p);
      ok = found.kind === 'present' ? (await sha256OfFile(found.file)) === p.oid : fromCache;
      verified.set(p.oid, ok);
    }
    return ok;
  };
  for (const r of results) {
    if (r.findings.length === 0 && r.errors.length === 0) continue;
    const sha = r.sha256 || r.lfs?.oid || '';
    let allowed = sha ? allowBySha.get(sha) : undefined;
    if (allowed && r.lfs && !(await lfsContentMatches(r.lfs, r.fromCache))) {
      r.errors.push({ path: r.candidate.path, scanner: 'lfs', kind: 'io', message: `the LFS object stored for ${r.lfs.oid.slice(0, 12)}… is not the content that oid names (its sha256 differs, or it is not there to check): the allow entry for that oid does not cover it` });
      allowed = undefined;
    }
    if (allowed) {
      r.allowed = allowed;
      continue;
    }
    const blockingFinding = r.findings.some((f) => severityRank(f.severity) >= severityRank(failOn));
    const blockingError = r.errors.length > 0 && !r.warnedMissing;
    r.blocks = blockingFinding || blockingError;
  }
  results.sort((a, b) => a.candidate.path.localeCompare(b.candidate.path));
  return {
    results,
    excluded,
    failOn,
    lfsMissing,
    blobs: wanted.length,
    bytes,
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    blocked: results.some((r) => r.blocks),
  };
}

/** sha256 of bytes, hex: for `allow` given a path. */
export function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** Whether `buf` has anything but ASCII whitespace from `from` on. */
function hasContentAfter(buf: Buffer, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (!isSpace(buf[i]!)) return true;
  return false;
}

/** hasContentAfter for a blob git wrote to a file (read 1 MiB at a time, stopping at the first such byte). */
function fileHasContentAfter(file: string, from: number): boolean {
  const src = new FileSource(file);
  try {
    for (let at = from; at < src.size; at += 1 << 20) if (hasContentAfter(src.read(at, 1 << 20), 0)) return true;
    return false;
  } finally {
    src.close();
  }
}


/** A .gitattributes file, in any case: on a case-insensitive disk (macOS, Windows) git reads `.GITATTRIBUTES` as one. */
function isAttributesFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.toLowerCase() === '.gitattributes';
}
