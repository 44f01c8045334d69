/**
 * A zip directory reader over a synchronous ByteSource, written by hand on purpose:
 * - the engine's reads are synchronous random access (src/io/byte-source.ts); yauzl 3.4 is callback-based
 *   over its own async reader, and jszip/fflate/adm-zip need the whole archive in memory;
 * - the differentials attackers use (local name ≠ central name, flag bits, duplicates, a prefix before the
 *   archive, ZIP64 fields) must be seen, not normalised away; every library normalises some of them.
 * Only the end records and the central directory are read here; member data is read on demand (member.ts).
 * All offsets returned are absolute in the source (the prefix before the archive, if any, is added).
 */
import type { ByteSource } from '../../io/byte-source.js';

export interface ZipEntry {
  index: number;
  /** Name as the central directory gives it (UTF-8 when flag 0x800 is set, else Latin-1 for display). */
  name: string;
  rawName: Buffer;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Absolute offset of the local header. */
  localHeaderOffset: number;
  versionMadeBy: number;
  externalAttrs: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Bytes before the archive's first byte (a pickle or an executable prepended to a zip). */
  prefix: number;
  zip64: boolean;
  /** Entries past the limit were not listed. */
  truncated: boolean;
  /** Name of the first entry not listed, when truncated. */
  firstUnlisted?: string;
}

export interface LocalHeader {
  rawName: Buffer;
  flags: number;
  method: number;
  /** Absolute offset of the member's data. */
  dataOffset: number;
}

export class ZipFormatError extends Error {}

export interface ZipReadLimits {
  maxEntries: number;
  maxCentralDirectoryBytes: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

/** The last end-of-central-directory record whose comment fits in the file, searched from the end. */
function findEocd(src: ByteSource): number {
  const searchLen = Math.min(src.size, 22 + 0xffff);
  const base = src.size - searchLen;
  const tail = src.read(base, searchLen);
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) return base + i;
  }
  throw new ZipFormatError('no end of central directory record');
}

function safe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`${what} is out of range`);
  return Number(n);
}

export function readDirectory(src: ByteSource, limits: ZipReadLimits): ZipDirectory {
  const eocdPos = findEocd(src);
  const eocd = src.read(eocdPos, 22);
  let count = eocd.readUInt16LE(10);
  let cdSize = eocd.readUInt32LE(12);
  let cdOffset = eocd.readUInt32LE(16);
  let endOfArchive = eocdPos; // where the central directory must end (the EOCD, or the ZIP64 record)
  let zip64 = false;
  if (eocdPos >= 20) {
    const loc = src.read(eocdPos - 20, 20);
    if (loc.readUInt32LE(0) === ZIP64_LOCATOR_SIG) {
      // The locator gives the ZIP64 record's offset relative to the archive start; with a prefix it sits just
      // before the locator, which is where we look for it (as Python's zipfile does).
      const rec = src.read(eocdPos - 20 - 56, 56);
      if (rec.length < 56 || rec.readUInt32LE(0) !== ZIP64_EOCD_SIG) throw new ZipFormatError('ZIP64 locator without a ZIP64 end record');
      zip64 = true;
      count = safe(rec.readBigUInt64LE(32), 'ZIP64 entry count');
      cdSize = safe(rec.readBigUInt64LE(40), 'ZIP64 central directory size');
      cdOffset = safe(rec.readBigUInt64LE(48), 'ZIP64 central directory offset');
      endOfArchive = eocdPos - 20 - 56;
    }
  }
  const cdStart = endOfArchive - cdSize;
  const prefix = cdStart - cdOffset;
  if (cdStart < 0 || prefix < 0) throw new ZipFormatError('the central directory lies outside the file');
  if (cdSize > limits.maxCentralDirectoryBytes) {
    throw new ZipFormatError(`central directory of ${cdSize} bytes is larger than the ${limits.maxCentralDirectoryBytes}-byte limit`);
  }
  const cd = src.read(cdStart, cdSize);
  const entries: ZipEntry[] = [];
  let truncated = false;
  let firstUnlisted: string | undefined;
  let i = 0;
  // Walk what is there rather than trusting the count: a count of 0xFFFF (or a lie) must not hide entries.
  while (i + 46 <= cd.length && cd.readUInt32LE(i) === CDH_SIG) {
    if (entries.length >= limits.maxEntries) {
      truncated = true;
      const n = cd.readUInt16LE(i + 28);
      firstUnlisted = cd.toString('latin1', i + 46, Math.min(cd.length, i + 46 + n));
      break;
    }
    const nameLen = cd.readUInt16LE(i + 28);
    const extraLen = cd.readUInt16LE(i + 30);
    const commentLen = cd.readUInt16LE(i + 32);
    const end = i + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new ZipFormatError(`central directory entry ${entries.length} runs past the directory`);
    const flags = cd.readUInt16LE(i + 8);
    const rawName = cd.subarray(i + 46, i + 46 + nameLen);
    let compressedSize = cd.readUInt32LE(i + 20);
    let uncompressedSize = cd.readUInt32LE(i + 24);
    let localOffset = cd.readUInt32LE(i + 42);
    // ZIP64 extended information (0x0001): only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    const extra = cd.subarray(i + 46 + nameLen, i + 46 + nameLen + extraLen);
    for (let e = 0; e + 4 <= extra.length; ) {
      const id = extra.readUInt16LE(e);
      const len = extra.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let f = e + 4;
        const next = (): number => {
          if (f + 8 > e + 4 + len || f + 8 > extra.length) throw new ZipFormatError(`ZIP64 extra field of entry ${entries.length} is too short`);
          const v = safe(extra.readBigUInt64LE(f), 'ZIP64 field');
          f += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
        zip64 = true;
      }
      e += 4 + len;
    }
    entries.push({
      index: entries.length,
      name: rawName.toString(flags & 0x800 ? 'utf8' : 'latin1'),
      rawName: Buffer.from(rawName),
      flags,
      method: cd.readUInt16LE(i + 10),
      crc32: cd.readUInt32LE(i + 16),
      compressedSize,
      uncompressedSize,
      localHeaderOffset: localOffset + prefix,
      versionMadeBy: cd.readUInt16LE(i + 4),
      externalAttrs: cd.readUInt32LE(i + 38),
    });
    i = end;
  }
  if (!truncated && entries.length < count && count !== 0xffff) {
    throw new ZipFormatError(`the end record announces ${count} entries but the central directory holds ${entries.length}`);
  }
  return firstUnlisted === undefined ? { entries, prefix, zip64, truncated } : { entries, prefix, zip64, truncated, firstUnlisted };
}

/** Bytes read past the names in one go: most local headers (and the first bytes of data) fit. */
const LOCAL_SLACK = 96;

/**
 * The local header of an entry, and the first bytes of its data (`head`, up to 16): one read for the
 * usual header, since a checkpoint has thousands of members and each costs a system call.
 */
export function readLocalHeader(src: ByteSource, entry: ZipEntry): LocalHeader & { head: Buffer } {
  const at = entry.localHeaderOffset;
  let h = src.read(at, 30 + entry.rawName.length + LOCAL_SLACK);
  if (h.length < 30 || h.readUInt32LE(0) !== LFH_SIG) throw new ZipFormatError(`no local header at byte ${at}`);
  const nameLen = h.readUInt16LE(26);
  const extraLen = h.readUInt16LE(28);
  const dataOffset = at + 30 + nameLen + extraLen;
  if (dataOffset + entry.compressedSize > src.size) throw new ZipFormatError('member data runs past the end of the file');
  const headLen = Math.min(16, entry.compressedSize);
  if (h.length < 30 + nameLen + extraLen + headLen) h = src.read(at, 30 + nameLen + extraLen + headLen);
  const rawName = h.subarray(30, 30 + nameLen);
  const head = h.subarray(30 + nameLen + extraLen, 30 + nameLen + extraLen + headLen);
  return { rawName, flags: h.readUInt16LE(6), method: h.readUInt16LE(8), dataOffset, head };
}

/** The unix file type bits of an entry made on unix (version made by, high byte 3), else 0. */
export function unixMode(entry: ZipEntry): number {
  return entry.versionMadeBy >> 8 === 3 ? entry.externalAttrs >>> 16 : 0;
}
