/**
 * Recognising the legacy .lzma ("alone") format, which has no magic number. Kept apart from the decoder so the
 * sniffer, which runs on every file, does not load the decoder.
 */

/**
 * Whether `head` plausibly starts a .lzma "alone" stream, with the rules liblzma's auto-detection
 * (picky mode) uses to ditch false positives: properties byte < 225, dictionary size 2^n or 2^n + 2^(n-1)
 * (or 0xFFFFFFFF), uncompressed size unknown or < 2^38. When the 14th byte is present it must be 0, as
 * every range-coded stream starts with a zero byte.
 */
export function looksLikeLzmaAlone(head: Buffer): boolean {
  if (head.length < 13) return false;
  if (head[0]! >= 225) return false;
  const dict = head.readUInt32LE(1);
  if (dict !== 0xffffffff) {
    let d = (dict - 1) >>> 0;
    d |= d >>> 2;
    d |= d >>> 3;
    d |= d >>> 4;
    d |= d >>> 8;
    d |= d >>> 16;
    d = (d + 1) >>> 0;
    if (d !== dict) return false;
  }
  const lo = head.readUInt32LE(5);
  const hi = head.readUInt32LE(9);
  const unknown = lo === 0xffffffff && hi === 0xffffffff;
  if (!unknown && hi >= 1 << 6) return false; // >= 2^38
  if (head.length > 13 && head[13] !== 0) return false;
  return true;
}
