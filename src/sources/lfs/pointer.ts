/**
 * Git LFS pointers, parsed strictly per the spec (git-lfs docs/spec.md): under 1024 bytes, `version` line first,
 * the other keys sorted, `oid sha256:` + 64 lowercase hex, a decimal `size`, every line ending in LF.
 *
 * Strictness matters both ways: something that is not a valid pointer is scanned as the content it is (a pickle
 * that starts with "version https://git-lfs..." junk is still a pickle to the sniffer), and a valid pointer is
 * never scanned as text and called clean.
 */

export const POINTER_MAX_BYTES = 1024;
const VERSION_LINE = 'version https://git-lfs.github.com/spec/v1';
/** git-lfs also accepts this pre-release spec URL when reading. */
const LEGACY_VERSION_LINE = 'version https://hawser.github.com/spec/v1';

export interface LfsPointer {
  /** sha256 of the real content, 64 lowercase hex. */
  oid: string;
  size: number;
}

export type PointerParse = { kind: 'pointer'; pointer: LfsPointer } | { kind: 'not-a-pointer' } | { kind: 'invalid'; reason: string };

/** Cheap pre-check on the first bytes: does this blob claim to be a pointer at all? */
export function looksLikePointer(head: Buffer): boolean {
  return head.subarray(0, 8).toString('latin1') === 'version ';
}

/**
 * Parses a blob as a pointer. Blobs that do not start with `version ` are `not-a-pointer`; blobs that do but
 * break the spec are `invalid` (reported: a malformed pointer is either an attack on the tooling or a mistake,
 * and git-lfs would pass it through as plain content).
 */
export function parsePointer(blob: Buffer): PointerParse {
  if (!looksLikePointer(blob)) return { kind: 'not-a-pointer' };
  if (blob.length >= POINTER_MAX_BYTES) return { kind: 'not-a-pointer' };
  const text = blob.toString('utf8');
  if (!text.endsWith('\n')) return { kind: 'invalid', reason: 'does not end with a newline' };
  const lines = text.slice(0, -1).split('\n');
  const first = lines[0];
  if (first !== VERSION_LINE && first !== LEGACY_VERSION_LINE) {
    // "version " followed by something else is ordinary text that happens to start with that word.
    return first !== undefined && first.startsWith('version https://') ? { kind: 'invalid', reason: `unknown spec ${JSON.stringify(first.slice(8))}` } : { kind: 'not-a-pointer' };
  }
  const keys: string[] = [];
  const values = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const sp = line.indexOf(' ');
    if (sp <= 0) return { kind: 'invalid', reason: `malformed line ${JSON.stringify(line.slice(0, 80))}` };
    const key = line.slice(0, sp);
    if (!/^[a-z0-9.-]+$/.test(key)) return { kind: 'invalid', reason: `malformed key ${JSON.stringify(key.slice(0, 40))}` };
    if (values.has(key)) return { kind: 'invalid', reason: `duplicate key ${key}` };
    keys.push(key);
    values.set(key, line.slice(sp + 1));
  }
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1]! > keys[i]!) return { kind: 'invalid', reason: 'keys are not sorted' };
  }
  const oid = values.get('oid');
  const size = values.get('size');
  if (oid === undefined || size === undefined) return { kind: 'invalid', reason: 'missing oid or size' };
  const m = /^sha256:([0-9a-f]{64})$/.exec(oid);
  if (!m) return { kind: 'invalid', reason: `oid must be sha256: followed by 64 lowercase hex digits, got ${JSON.stringify(oid.slice(0, 80))}` };
  if (!/^(0|[1-9][0-9]{0,15})$/.test(size)) return { kind: 'invalid', reason: `size must be a decimal number of bytes, got ${JSON.stringify(size.slice(0, 40))}` };
  const n = Number(size);
  if (!Number.isSafeInteger(n)) return { kind: 'invalid', reason: `size ${size} is too large` };
  return { kind: 'pointer', pointer: { oid: m[1]!, size: n } };
}

/** The canonical pointer text for an object (used by tests and by `allow` to explain what it keyed). */
export function formatPointer(p: LfsPointer): string {
  return `${VERSION_LINE}\noid sha256:${p.oid}\nsize ${p.size}\n`;
}
