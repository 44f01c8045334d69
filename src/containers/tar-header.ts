/**
 * Recognising a tar header as Python's tarfile does (TarInfo.frombuf, nti, calc_chksums), with no import
 * beyond Buffer so that sniffing can use it without loading the tar scanner. tarfile needs no `ustar` magic:
 * an old V7 header (and anything else) is a tar header when its checksum field, read as tarfile reads
 * numbers, equals the unsigned or the signed byte sum of the header, and its other numeric fields parse.
 * torch.load tries tarfile first on any file that is not a zip (legacy_load), so a V7 header is enough.
 */

/** Python's str.strip() whitespace among ASCII characters. */
const PY_SPACE = new Set([0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20]);
/** What int(s, 8) accepts once stripped: a sign, an optional 0o prefix, octal digits with single underscores. */
const PY_OCTAL = /^[+-]?(?:0[oO](?:_?[0-7])+|[0-7](?:_?[0-7])*)$/;

/**
 * tarfile.nti: a numeric field as tarfile reads it, or null where tarfile raises InvalidHeaderError.
 * 0x80 / 0xFF first bytes are GNU base-256 (positive / negative); otherwise the ASCII text up to the first
 * NUL, stripped, read by int(text or "0", 8).
 */
export function tarNumber(field: Buffer): bigint | null {
  if (field.length === 0) return null;
  if (field[0] === 0o200 || field[0] === 0o377) {
    let n = 0n;
    for (let i = 1; i < field.length; i++) n = (n << 8n) | BigInt(field[i]!);
    return field[0] === 0o377 ? -((1n << BigInt(8 * (field.length - 1))) - n) : n;
  }
  const nul = field.indexOf(0);
  const text = field.subarray(0, nul < 0 ? field.length : nul);
  let a = 0;
  let b = text.length;
  for (let i = 0; i < text.length; i++) if (text[i]! > 0x7f) return null; // ascii, strict
  while (a < b && PY_SPACE.has(text[a]!)) a++;
  while (b > a && PY_SPACE.has(text[b - 1]!)) b--;
  if (a === b) return 0n;
  const s = text.toString('latin1', a, b);
  if (!PY_OCTAL.test(s)) return null;
  const neg = s[0] === '-';
  const digits = s.replace(/^[+-]/, '').replace(/^0[oO]/, '').replace(/_/g, '');
  const v = BigInt(`0o${digits}`);
  return neg ? -v : v;
}

/** tarfile.calc_chksums: the byte sum with the checksum field taken as 8 spaces, unsigned and signed. */
export function tarChecksums(header: Buffer): [number, number] {
  let unsigned = 256;
  let signed = 256;
  for (let i = 0; i < 512; i++) {
    if (i >= 148 && i < 156) continue;
    const b = header[i]!;
    unsigned += b;
    signed += b < 128 ? b : b - 256;
  }
  return [unsigned, signed];
}

/** The numeric fields TarInfo.frombuf reads with nti, [offset, length]: a bad one makes tarfile refuse the header. */
const NUMERIC_FIELDS: readonly [number, number][] = [
  [100, 8], // mode
  [108, 8], // uid
  [116, 8], // gid
  [124, 12], // size
  [136, 12], // mtime
  [329, 8], // devmajor
  [337, 8], // devminor
];

/**
 * Whether these bytes (the first 512 of a file, or of a member) are a header Python's tarfile accepts:
 * 512 bytes, not all zero, a checksum equal to the unsigned or signed sum, and every numeric field readable.
 * No magic (`ustar`) is required: V7 headers and ustar/GNU/pax ones alike pass.
 */
export function isTarHeader(head: Buffer): boolean {
  if (head.length < 512) return false;
  const h = head.subarray(0, 512);
  let zero = true;
  for (let i = 0; i < 512 && zero; i++) if (h[i] !== 0) zero = false;
  if (zero) return false;
  const stored = tarNumber(h.subarray(148, 156));
  if (stored === null) return false;
  const [unsigned, signed] = tarChecksums(h);
  if (stored !== BigInt(unsigned) && stored !== BigInt(signed)) return false;
  if (!NUMERIC_FIELDS.every(([at, len]) => tarNumber(h.subarray(at, at + len)) !== null)) return false;
  // Old GNU sparse headers: the four sparse structures (InvalidHeaderError is no ValueError, so it is not
  // caught there) and the original size are read with nti too.
  if (h[156] === 0x53) {
    for (let i = 0; i < 4; i++) {
      const at = 386 + 24 * i;
      if (tarNumber(h.subarray(at, at + 12)) === null || tarNumber(h.subarray(at + 12, at + 24)) === null) return false;
    }
    if (tarNumber(h.subarray(483, 495)) === null) return false;
  }
  return true;
}
