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
  /**
   * Bytes before the archive's first byte (a pickle or an executable prepended to a zip), as Python's zipfile
   * infers them from where the directory lies and the offset the end record gives; added to every offset.
   * Always 0 for miniz, which takes offsets as absolute. Negative when the end record's offset is too large.
   */
  prefix: number;
  zip64: boolean;
  /** Where the central directory was read (absolute). */
  directoryOffset: number;
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
const EOCD_SIG_BYTES = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

/** Python's zipfile looks for the end record in the last (1 << 16) + 22 bytes (_EndRecData's maxCommentStart). */
const ZIPFILE_EOCD_SEARCH = 0x10000 + 22;
/**
 * miniz reads 4096-byte chunks backwards, each starting 4093 bytes before the last, and gives up after the
 * first chunk that starts 65,557 bytes or more from the end: the 17th, 69,584 bytes from the end.
 */
const MINIZ_EOCD_SEARCH = 4096 + 4093 * 16;
/** How far from the end either reader finds an end record. */
export const EOCD_SEARCH = Math.max(ZIPFILE_EOCD_SEARCH, MINIZ_EOCD_SEARCH);

/**
 * Where a reader finds the central directory. `prefix` is what it adds to every offset in the directory:
 * miniz adds nothing (offsets are absolute in the file torch hands it), zipfile adds its "concat".
 */
interface Located {
  cdStart: number;
  cdSize: number;
  count: number;
  zip64: boolean;
  prefix: number;
  /** The reader checks that the directory holds `count` entries (miniz does; zipfile walks cdSize bytes). */
  checkCount: boolean;
}

/** The fields of the end record at `at` that both readers use (before any ZIP64 record replaces them). */
function endRecord(tail: Buffer, at: number): { count: number; cdSize: number; cdOffset: number } {
  return { count: tail.readUInt16LE(at + 10), cdSize: tail.readUInt32LE(at + 12), cdOffset: tail.readUInt32LE(at + 16) };
}

/**
 * miniz (torch's PyTorchStreamReader), mz_zip_reader_locate_header_sig: the last signature with at least 22
 * bytes after it, whatever its comment length says; then a ZIP64 locator right before it is followed to the
 * ZIP64 record at the offset the locator gives (absolute: torch's read callback knows no archive start), and
 * the directory offset is absolute too.
 */
function locateMiniz(src: ByteSource, base: number, tail: Buffer): Located {
  const at = tail.length >= 22 ? tail.lastIndexOf(EOCD_SIG_BYTES, tail.length - 22) : -1;
  if (at < 0) throw new ZipFormatError('no end of central directory record');
  const eocdPos = base + at;
  let { count, cdSize, cdOffset } = endRecord(tail, at);
  let zip64 = false;
  if (eocdPos >= 20 + 56) {
    const loc = src.read(eocdPos - 20, 20);
    if (loc.readUInt32LE(0) === ZIP64_LOCATOR_SIG) {
      const recAt = loc.readBigUInt64LE(8);
      if (recAt > BigInt(src.size - 56)) throw new ZipFormatError('the ZIP64 locator points past the end of the file');
      const rec = src.read(Number(recAt), 56);
      if (rec.readUInt32LE(0) === ZIP64_EOCD_SIG) {
        zip64 = true;
        if (loc.readUInt32LE(16) !== 1) throw new ZipFormatError('ZIP64 archive spanning several disks');
        const entries = rec.readBigUInt64LE(32);
        const size = rec.readBigUInt64LE(40);
        if (entries > 0xffffffffn || size > 0xffffffffn) throw new ZipFormatError('ZIP64 entry count or directory size over 32 bits');
        count = Number(entries);
        cdSize = Number(size);
        cdOffset = safe(rec.readBigUInt64LE(48), 'ZIP64 central directory offset');
      }
    }
  }
  if (cdOffset + cdSize > src.size) throw new ZipFormatError('the central directory lies outside the file');
  return { cdStart: cdOffset, cdSize, count, zip64, prefix: 0, checkCount: true };
}

/**
 * Python's zipfile (_EndRecData, _EndRecData64, _RealGetContents), which np.load and most scanners use: an
 * end record with an empty comment in the last 22 bytes, else the last signature at all (rfind), which must
 * have 22 bytes after it; a ZIP64 record is expected right before its locator (the locator's offset is not
 * read) and ignored when its signature is not there. The directory is read right before the end records
 * whatever offset they give; the difference ("concat") is added to every local header offset.
 */
function locateZipfile(src: ByteSource, base: number, tail: Buffer): Located {
  let at: number;
  const last = tail.length - 22;
  if (last >= 0 && tail.readUInt32LE(last) === EOCD_SIG && tail.readUInt16LE(last + 20) === 0) at = last;
  else {
    at = tail.lastIndexOf(EOCD_SIG_BYTES);
    if (at < 0) throw new ZipFormatError('no end of central directory record');
    if (at + 22 > tail.length) throw new ZipFormatError('the last end of central directory record is cut short');
  }
  const eocdPos = base + at;
  let { count, cdSize, cdOffset } = endRecord(tail, at);
  let endOfArchive = eocdPos;
  let zip64 = false;
  if (eocdPos >= 20) {
    const loc = src.read(eocdPos - 20, 20);
    if (loc.readUInt32LE(0) === ZIP64_LOCATOR_SIG) {
      if (loc.readUInt32LE(4) !== 0 || loc.readUInt32LE(16) > 1) throw new ZipFormatError('ZIP64 archive spanning several disks');
      const rec = eocdPos >= 20 + 56 ? src.read(eocdPos - 20 - 56, 56) : Buffer.alloc(0);
      if (rec.length === 56 && rec.readUInt32LE(0) === ZIP64_EOCD_SIG) {
        zip64 = true;
        count = safe(rec.readBigUInt64LE(32), 'ZIP64 entry count');
        cdSize = safe(rec.readBigUInt64LE(40), 'ZIP64 central directory size');
        cdOffset = safe(rec.readBigUInt64LE(48), 'ZIP64 central directory offset');
        endOfArchive = eocdPos - 20 - 56;
      }
    }
  }
  const cdStart = endOfArchive - cdSize;
  if (cdStart < 0) throw new ZipFormatError('the central directory lies outside the file');
  return { cdStart, cdSize, count, zip64, prefix: cdStart - cdOffset, checkCount: false };
}

/** Little-endian fields of a buffer the caller has bounds-checked. */
function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function safe(n: bigint, what: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError(`${what} is out of range`);
  return Number(n);
}

/** The directory as each reader sees it: an error where that reader refuses the file. */
export interface ZipReadings {
  miniz: ZipDirectory | ZipFormatError;
  zipfile: ZipDirectory | ZipFormatError;
  /** Both readers read the file and list the same members at the same offsets. */
  agree: boolean;
}

function attempt<T>(f: () => T): T | ZipFormatError {
  try {
    return f();
  } catch (err) {
    if (err instanceof ZipFormatError) return err;
    throw err;
  }
}

/**
 * The directory torch's miniz reads and the one Python's zipfile reads. They differ only for crafted files
 * (an end record inside another's comment, a ZIP64 locator pointing elsewhere than right before itself, a
 * lying directory offset): then each is listed, so that both can be analysed.
 */
export function readDirectories(src: ByteSource, limits: ZipReadLimits): ZipReadings {
  const len = Math.min(src.size, EOCD_SEARCH);
  const base = src.size - len;
  const tail = src.read(base, len);
  const mLoc = attempt(() => locateMiniz(src, base, tail));
  const zSkip = Math.max(0, tail.length - ZIPFILE_EOCD_SEARCH);
  const zLoc = attempt(() => locateZipfile(src, base + zSkip, tail.subarray(zSkip)));
  const miniz = mLoc instanceof ZipFormatError ? mLoc : attempt(() => parseDirectory(src, mLoc, limits));
  const sameLoc =
    !(mLoc instanceof ZipFormatError) && !(zLoc instanceof ZipFormatError) && mLoc.cdStart === zLoc.cdStart && mLoc.cdSize === zLoc.cdSize && mLoc.prefix === zLoc.prefix;
  const zipfile = zLoc instanceof ZipFormatError ? zLoc : sameLoc && !(miniz instanceof ZipFormatError) ? miniz : attempt(() => parseDirectory(src, zLoc, limits));
  const agree = !(miniz instanceof ZipFormatError) && !(zipfile instanceof ZipFormatError) && (miniz === zipfile || sameEntries(miniz, zipfile));
  return { miniz, zipfile, agree };
}

/** Identifies a listed member by what a reader reads for it: name, local header, sizes, method, flags, CRC. */
export function entryKey(e: ZipEntry): string {
  return `${e.rawName.toString('hex')}|${e.localHeaderOffset}|${e.compressedSize}|${e.uncompressedSize}|${e.method}|${e.flags}|${e.crc32}`;
}

function sameEntries(a: ZipDirectory, b: ZipDirectory): boolean {
  return a.truncated === b.truncated && a.entries.length === b.entries.length && a.entries.every((e, i) => entryKey(e) === entryKey(b.entries[i]!));
}

/** One directory: torch's (miniz) when it reads the file, else Python's zipfile's; miniz's error when neither reads it. */
export function readDirectory(src: ByteSource, limits: ZipReadLimits): ZipDirectory {
  const r = readDirectories(src, limits);
  if (!(r.miniz instanceof ZipFormatError)) return r.miniz;
  if (!(r.zipfile instanceof ZipFormatError)) return r.zipfile;
  throw r.miniz;
}

function parseDirectory(src: ByteSource, loc: Located, limits: ZipReadLimits): ZipDirectory {
  const { cdStart, cdSize, count, prefix } = loc;
  let zip64 = loc.zip64;
  if (cdSize > limits.maxCentralDirectoryBytes) {
    throw new ZipFormatError(`central directory of ${cdSize} bytes is larger than the ${limits.maxCentralDirectoryBytes}-byte limit`);
  }
  const cd = src.read(cdStart, cdSize);
  const entries: ZipEntry[] = [];
  let truncated = false;
  let firstUnlisted: string | undefined;
  let i = 0;
  // Walk what is there rather than trusting the count: a count of 0xFFFF (or a lie) must not hide entries.
  // Fields are read with u16/u32 rather than Buffer's readUInt*LE, and names stay views of `cd` rather than
  // copies: a checkpoint lists thousands of members, and this runs once per scan, before V8 has optimised
  // anything, where each call into Buffer's methods costs microseconds.
  while (i + 46 <= cd.length && u32(cd, i) === CDH_SIG) {
    const nameLen = u16(cd, i + 28);
    if (entries.length >= limits.maxEntries) {
      truncated = true;
      firstUnlisted = cd.toString('latin1', i + 46, Math.min(cd.length, i + 46 + nameLen));
      break;
    }
    const extraLen = u16(cd, i + 30);
    const commentLen = u16(cd, i + 32);
    const nameEnd = i + 46 + nameLen;
    const end = nameEnd + extraLen + commentLen;
    if (end > cd.length) throw new ZipFormatError(`central directory entry ${entries.length} runs past the directory`);
    const flags = u16(cd, i + 8);
    let compressedSize = u32(cd, i + 20);
    let uncompressedSize = u32(cd, i + 24);
    let localOffset = u32(cd, i + 42);
    // ZIP64 extended information (0x0001): only the fields whose 32-bit value is 0xFFFFFFFF, in this order.
    if (extraLen > 0) {
      const extra = cd.subarray(nameEnd, nameEnd + extraLen);
      for (let e = 0; e + 4 <= extra.length; ) {
        const id = u16(extra, e);
        const len = u16(extra, e + 2);
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
    }
    entries.push({
      index: entries.length,
      name: cd.toString(flags & 0x800 ? 'utf8' : 'latin1', i + 46, nameEnd),
      rawName: cd.subarray(i + 46, nameEnd),
      flags,
      method: u16(cd, i + 10),
      crc32: u32(cd, i + 16),
      compressedSize,
      uncompressedSize,
      localHeaderOffset: localOffset + prefix,
      versionMadeBy: u16(cd, i + 4),
      externalAttrs: u32(cd, i + 38),
    });
    i = end;
  }
  if (loc.checkCount && !truncated && entries.length < count && count !== 0xffff) {
    throw new ZipFormatError(`the end record announces ${count} entries but the central directory holds ${entries.length}`);
  }
  const dir: ZipDirectory = { entries, prefix, zip64, directoryOffset: cdStart, truncated };
  if (firstUnlisted !== undefined) dir.firstUnlisted = firstUnlisted;
  return dir;
}

/** Bytes read past the names in one go: most local headers (and the first bytes of data) fit. */
const LOCAL_SLACK = 96;

/**
 * The local header of an entry, and the first bytes of its data (`head`, up to 16): one read for the
 * usual header, since a checkpoint has thousands of members and each costs a system call.
 */
export function readLocalHeader(src: ByteSource, entry: ZipEntry): LocalHeader & { head: Buffer } {
  const at = entry.localHeaderOffset;
  if (at < 0 || at >= src.size) throw new ZipFormatError(`no local header at byte ${at}`);
  let h = src.read(at, 30 + entry.rawName.length + LOCAL_SLACK);
  if (h.length < 30 || u32(h, 0) !== LFH_SIG) throw new ZipFormatError(`no local header at byte ${at}`);
  const nameLen = u16(h, 26);
  const extraLen = u16(h, 28);
  const dataOffset = at + 30 + nameLen + extraLen;
  if (dataOffset + entry.compressedSize > src.size) throw new ZipFormatError('member data runs past the end of the file');
  const headLen = Math.min(16, entry.compressedSize);
  if (h.length < 30 + nameLen + extraLen + headLen) h = src.read(at, 30 + nameLen + extraLen + headLen);
  const rawName = h.subarray(30, 30 + nameLen);
  const head = h.subarray(30 + nameLen + extraLen, 30 + nameLen + extraLen + headLen);
  return { rawName, flags: u16(h, 6), method: u16(h, 8), dataOffset, head };
}

/** The unix file type bits of an entry made on unix (version made by, high byte 3), else 0. */
export function unixMode(entry: ZipEntry): number {
  return entry.versionMadeBy >> 8 === 3 ? entry.externalAttrs >>> 16 : 0;
}
