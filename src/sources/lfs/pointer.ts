/**
 * Git LFS pointers, read exactly as git-lfs reads them when it smudges a checkout (lfs/pointer.go DecodeFrom,
 * checked against the git-lfs 3.3 that Debian ships): the first 1024 bytes of the blob, trimmed of whitespace at
 * both ends; lines split at LF with a trailing CR dropped and empty lines skipped; `version`, `oid` and `size` in
 * that order, with `ext-<digit>-<name>` extension lines allowed among them; any of the three version URLs git-lfs
 * has used; `oid sha256:` + 64 lowercase hex; a size Go's ParseInt reads (an optional sign, decimal digits).
 *
 * Exactness matters both ways. What git-lfs smudges into a model must be scanned as that model: a pointer with a
 * leading newline, CRLF endings or 2 KiB of padding after its first 1024 bytes is still a pointer to git-lfs,
 * and scanned as its text it would pass. What git-lfs leaves as it is must be scanned as the content it is.
 */

import { closeSync, openSync, readSync } from 'node:fs';

/** git-lfs decodes a pointer from this many bytes of a blob (blobSizeCutoff); the rest is never looked at. */
export const POINTER_MAX_BYTES = 1024;

/** The bytes of a file git-lfs decodes a pointer from (its first POINTER_MAX_BYTES), for parsePointer. */
export function pointerHeadOf(file: string): Buffer {
  const head = Buffer.alloc(POINTER_MAX_BYTES);
  const fd = openSync(file, 'r');
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}
const VERSIONS = new Set(['https://git-lfs.github.com/spec/v1', 'https://hawser.github.com/spec/v1', 'http://git-media.io/v/2']);
const CANONICAL_VERSION = 'https://git-lfs.github.com/spec/v1';
const KEYS = ['version', 'oid', 'size'] as const;
/** git-lfs's matcherRE: text without any of these is not a pointer at all. */
const MATCHER = /git-media|hawser|git-lfs/;
/** git-lfs's extRE (anchored at the start only, as Go's \A without \z). */
const EXTENSION = /^ext-\d-\w+/;
/** Go's unicode.IsSpace, which bytes.TrimSpace trims. */
const GO_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export interface LfsPointer {
  /** sha256 of the real content, 64 lowercase hex. */
  oid: string;
  size: number;
}

export type PointerParse =
  /** `extensions`: how many ext-N-name lines it has (git-lfs extensions, which nearly no repository uses). */
  | { kind: 'pointer'; pointer: LfsPointer; extensions: number }
  | { kind: 'not-a-pointer' }
  | { kind: 'invalid'; reason: string };

/**
 * Parses a blob (or its first POINTER_MAX_BYTES bytes) as git-lfs does. Text that git-lfs would not take for a
 * pointer is `not-a-pointer`, unless it starts with a `version` line naming an LFS spec: then it is `invalid`,
 * with git-lfs's reason (such a blob is checked out as the text it is, but is an attack on the tooling or a
 * mistake, and is reported).
 */
export function parsePointer(blob: Buffer): PointerParse {
  // Invalid UTF-8 decodes to U+FFFD, which is not a space to Go either: trimming stops there as it does in Go.
  const text = blob.subarray(0, POINTER_MAX_BYTES).toString('utf8').replace(GO_SPACE, '');
  if (!MATCHER.test(text)) return { kind: 'not-a-pointer' };
  const claims = text.startsWith('version ');
  const fail = (reason: string): PointerParse => (claims ? { kind: 'invalid', reason } : { kind: 'not-a-pointer' });
  const values = new Map<string, string>();
  const extensions = new Set<string>();
  const priorities = new Set<string>();
  let line = 0;
  for (const raw of text.split('\n')) {
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (l.length === 0) continue;
    const sp = l.indexOf(' ');
    if (sp < 0) return fail(`malformed line ${JSON.stringify(l.slice(0, 80))}`);
    const key = l.slice(0, sp);
    const value = l.slice(sp + 1);
    if (line >= KEYS.length) return fail(`extra line ${JSON.stringify(l.slice(0, 80))}`);
    if (key !== KEYS[line]) {
      if (!EXTENSION.test(key)) return fail(`expected key ${KEYS[line]}, got ${JSON.stringify(key.slice(0, 40))}`);
      if (extensions.has(key)) return fail(`duplicate extension ${key}`);
      // git-lfs reads an extension's value as an oid and refuses two extensions of one priority.
      if (!/^sha256:[0-9a-f]{64}$/.test(value)) return fail(`extension ${key} must name a sha256 oid, got ${JSON.stringify(value.slice(0, 40))}`);
      const priority = key.charAt(4);
      if (priorities.has(priority)) return fail(`two extensions of priority ${priority}`);
      priorities.add(priority);
      extensions.add(key);
      continue;
    }
    values.set(key, value);
    line++;
  }
  const version = values.get('version');
  if (version === undefined) return fail('missing version');
  if (!VERSIONS.has(version)) return fail(`unknown spec ${JSON.stringify(version.slice(0, 80))}`);
  const oid = values.get('oid');
  if (oid === undefined) return fail('missing oid');
  const m = /^sha256:([0-9a-f]{64})$/.exec(oid);
  if (!m) return fail(`oid must be sha256: followed by 64 lowercase hex digits, got ${JSON.stringify(oid.slice(0, 80))}`);
  const size = values.get('size');
  if (size === undefined) return fail('missing size');
  // strconv.ParseInt(s, 10, 64): an optional sign and decimal digits; a negative size is refused.
  if (!/^[+-]?[0-9]+$/.test(size)) return fail(`size must be a decimal number of bytes, got ${JSON.stringify(size.slice(0, 40))}`);
  const n = Number(size);
  if (n < 0) return fail(`size ${size} is negative`);
  if (!Number.isSafeInteger(n)) return fail(`size ${size} is too large`);
  return { kind: 'pointer', pointer: { oid: m[1]!, size: n }, extensions: extensions.size };
}

/** The canonical pointer text for an object (used by tests and by `allow` to explain what it keyed). */
export function formatPointer(p: LfsPointer): string {
  return `version ${CANONICAL_VERSION}\noid sha256:${p.oid}\nsize ${p.size}\n`;
}
