/**
 * Zip archives (torch.save since 1.6, TorchScript, .npz, .keras, plain zips), read the way PyTorch's miniz
 * reader sees them and then some: every member that sniffs as a model format is analysed whatever its name
 * (miniz finds `DATA.PKL` for `data.pkl`; a pickle may hide under `data.txt`), every copy of a duplicated
 * name is analysed, and each differential between readers is a finding: local-header ≠ central-directory
 * names, general-purpose flag bits (encryption and friends; the stored bytes are analysed anyway), a bad CRC
 * on a pickle (miniz in torch does not check it; Python's zipfile refuses), data before the archive.
 * Only the central directory and the members that matter are read: tensor storages under data/ cost a few
 * header bytes each, so a 10 GB checkpoint costs its directory and its pickles.
 */
import { crc32 } from 'node:zlib';
import { decompressMember } from '../../containers/budget.js';
import type { Codec } from '../../containers/decompress.js';
import { traversalReason } from '../../containers/paths.js';
import { isTarHeader } from '../../containers/tar-header.js';
import { listTar, TarFormatError } from '../../containers/tar.js';
import { entryKey, readDirectories, readLocalHeader, unixMode, ZipFormatError, type ZipDirectory, type ZipEntry } from '../../containers/zip/reader.js';
import { PrefixedSource, SliceSource, type ByteSource } from '../../io/byte-source.js';
import { looksLikeTextPickle } from '../../engine/sniff.js';
import { pickleScanner } from '../pickle/index.js';
import { canStartPickle } from '../pickle/stream.js';
import { Collector } from '../collector.js';
import { joinMember, type NestedOutcome, type ScanContext, type Scanner, type ScannerOutput } from '../scanner.js';
import { checkScript } from '../torch/script-check.js';
import { analyseKerasV3, isKerasV3Layout, kerasV3Output } from '../keras/v3.js';

const SCANNER = 'zip';
/** Flag bits that make some readers refuse or mis-read a member: encrypted, compressed patched data, strong encryption. */
const ODD_FLAGS = 0x0001 | 0x0020 | 0x0040;
/** Pickle members larger than this are not read twice for their CRC. */
const MAX_CRC_BYTES = 256 * 1024 * 1024;

/** A torch archive names its pickles <prefix>/data.pkl (and constants.pkl for TorchScript). */
function isTorchArchive(entries: ZipEntry[]): boolean {
  return entries.some((e) => /(^|\/)(data|constants)\.pkl$/i.test(e.name));
}

/** TorchScript archives (torch.jit.save) carry constants.pkl and their code under code/. */
function isTorchScriptArchive(entries: ZipEntry[]): boolean {
  return entries.some((e) => /(^|\/)constants\.pkl$/i.test(e.name)) && entries.some((e) => /(^|\/)code\//.test(e.name));
}

/** Tensor storages: <prefix>/data/<n>, and TorchScript's tensor constants <prefix>/constants/<n>. Never unpickled. */
function isStorage(name: string): boolean {
  return /^(?:[^/]*\/)?(?:data|constants)\/\d+$/.test(name);
}

/** First bytes of a storage that would make it worth a look: a binary pickle or a container magic. */
function storageMayHoldModel(head: Buffer): boolean {
  // Byte comparisons: this runs for every storage of a checkpoint (thousands), before V8 optimises anything.
  const b0 = head[0];
  const b1 = head[1];
  if (b0 === 0x80 && b1 !== undefined && b1 >= 2 && b1 <= 5) return true;
  if (b0 === 0x50 && b1 === 0x4b && head[2] === 0x03 && head[3] === 0x04) return true; // PK\3\4
  if (b0 === 0x1f && b1 === 0x8b) return true; // gzip
  return b0 === 0x93 && head.length >= 6 && head.toString('latin1', 1, 6) === 'NUMPY';
}

/**
 * A protocol 0/1 pickle at the start of a stored storage: its first byte can start one and a trial run gets
 * somewhere (the sniffer's test, with a small read-ahead). Tensor bytes fail within an opcode or two, and most
 * never pass the first-byte test.
 */
function storageMayHoldTextPickle(src: ByteSource, offset: number, size: number, head: Buffer): boolean {
  return head.length > 0 && canStartPickle(head[0]!) && looksLikeTextPickle(new SliceSource(src, offset, size), 4096);
}

/**
 * The bytes before a zip are a tar archive whose member starts where the zip does: a .pt packed in a .tar, not
 * data prepended to the zip (the tar scanner reads that member as a zip of its own).
 */
function isTarMemberAt(src: ByteSource, offset: number): boolean {
  if (!isTarHeader(src.read(0, 512))) return false;
  try {
    return listTar(src, 10_000).members.some((m) => m.dataOffset === offset);
  } catch (err) {
    if (err instanceof TarFormatError) return false;
    throw err;
  }
}

export const zipScanner: Scanner = {
  id: SCANNER,
  formats: ['zip'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const out = new Collector(ctx, SCANNER);
    const finding = out.finding.bind(out);
    const error = out.error.bind(out);

    // torch's miniz and Python's zipfile find the directory differently: what each reads is analysed.
    const readings = readDirectories(src, ctx.limits.archive);
    const dirs = [readings.miniz, readings.zipfile].filter((d): d is ZipDirectory => !(d instanceof ZipFormatError));
    if (dirs.length === 0) {
      // An end-record signature inside other data (array bytes after a pickle) that leads to no readable
      // directory is no archive for any reader either: only a file that starts as a zip must be one.
      if (src.read(0, 2).toString('latin1') !== 'PK') return out.output;
      error('parse', undefined, `zip archive cannot be read: ${(readings.miniz as ZipFormatError).message}`);
      return out.output;
    }
    const disagree = dirs.length === 2 && !readings.agree;
    if (disagree) {
      const [m, z] = dirs as [ZipDirectory, ZipDirectory];
      finding('HIGH', 'zip/reader-disagreement', undefined, `torch's zip reader (miniz) and Python's zipfile read different central directories: miniz ${describeDirectory(m)}, zipfile ${describeDirectory(z)}. A scanner reading one is shown other members than a loader reading the other; both were analysed`, m.directoryOffset);
    }
    const limited = new Set<string>();
    for (const d of dirs) {
      if (!d.truncated || limited.has(d.firstUnlisted ?? '')) continue;
      limited.add(d.firstUnlisted ?? '');
      error('limit', d.firstUnlisted, `more than ${ctx.limits.archive.maxEntries} members: only the first ${d.entries.length} were listed and analysed; this one and those after it were not`);
    }
    const zf = readings.zipfile;
    if (!disagree && !(zf instanceof ZipFormatError) && zf.prefix > 0 && !isTarMemberAt(src, zf.prefix)) {
      finding('MEDIUM', 'zip/leading-data', undefined, `${zf.prefix} bytes come before the zip archive: a loader reading from the start (pickle.load, torch's legacy path) sees those bytes, not the archive`, 0);
    }

    // Duplicates and names miniz would confuse (it looks names up case-insensitively), in each reader's
    // directory: every copy is analysed.
    // (A checkpoint lists thousands of members and this runs before V8 optimises anything: names seen twice
    // are noted as they are met, rather than the whole map walked afterwards.)
    const reported = new Set<string>();
    for (const d of new Set(dirs)) {
      const byName = new Map<string, ZipEntry[]>();
      const repeated: string[] = [];
      for (const e of d.entries) {
        const k = e.name.toLowerCase();
        const list = byName.get(k);
        if (list === undefined) byName.set(k, [e]);
        else {
          if (list.length === 1) repeated.push(k);
          list.push(e);
        }
      }
      // In the order of each name's first member, as the directory lists them.
      repeated.sort((a, b) => byName.get(a)![0]!.index - byName.get(b)![0]!.index);
      for (const k of repeated) {
        const list = byName.get(k)!;
        if (reported.has(k)) continue;
        reported.add(k);
        const exact = list.every((e) => e.name === list[0]!.name);
        finding('HIGH', 'zip/duplicate-name', list[0]!.name, `${list.length} members named ${list.map((e) => JSON.stringify(e.name)).join(', ')}${exact ? '' : ' (equal ignoring case, as miniz compares them)'}: readers disagree on which one they load; every copy was analysed`);
      }
    }
    // Every member either reader lists, once (one reader's list as it is when they agree: a checkpoint has
    // thousands of members).
    let entries: ZipEntry[] = dirs[0]!.entries;
    if (dirs.length === 2 && !readings.agree) {
      const seen = new Set<string>();
      entries = [];
      for (const d of dirs) {
        for (const e of d.entries) {
          const k = entryKey(e);
          if (seen.has(k)) continue;
          seen.add(k);
          entries.push(e);
        }
      }
    }
    const dir = { entries };

    const torch = isTorchArchive(dir.entries);
    const torchScript = isTorchScriptArchive(dir.entries);
    // A Keras 3 archive: its config.json and metadata.json are kept (first copy, bounded) and every member's
    // first bytes noted while the loop below reads them anyway, then judged once the loop is done.
    const keras = isKerasV3Layout(dir.entries.map((e) => e.name)) ? new KerasMembers(ctx.limits.formats.maxJsonBytes) : undefined;
    /** [start, end, name] of each member's bytes on disk, local header included. */
    const spans: [number, number, string][] = [];
    for (const entry of dir.entries) {
      const name = entry.name;
      const why = traversalReason(name);
      if (why) finding('HIGH', 'archive/path-traversal', name, `member name is ${why}: extracting the archive writes outside the target directory`);
      if ((unixMode(entry) & 0o170000) === 0o120000) finding('HIGH', 'archive/symlink', name, 'member is a symbolic link: extracting it can point a later write or read anywhere on the machine');
      if (name.endsWith('/') && entry.uncompressedSize === 0) continue;

      let local;
      try {
        local = readLocalHeader(src, entry);
        spans.push([entry.localHeaderOffset, local.dataOffset + entry.compressedSize, name]);
      } catch (err) {
        if (!(err instanceof ZipFormatError)) throw err;
        error('parse', name, `member cannot be read: ${err.message}`);
        continue;
      }
      if (!local.rawName.equals(entry.rawName)) {
        finding('HIGH', 'zip/header-mismatch', name, `the local header names this member ${JSON.stringify(local.rawName.toString('latin1').slice(0, 80))}: readers trusting local headers see another file than those trusting the central directory`, entry.localHeaderOffset);
      } else if (local.method !== entry.method) {
        finding('HIGH', 'zip/header-mismatch', name, `the local header says compression method ${local.method}, the central directory ${entry.method}`, entry.localHeaderOffset);
      }
      const odd = (entry.flags | local.flags) & ODD_FLAGS;
      if (odd) {
        finding('HIGH', 'zip/flag-bits', name, `general-purpose flag bits 0x${odd.toString(16).padStart(4, '0')} (${describeFlags(odd)}) are set: scanners built on zipfile refuse the member while torch's reader ignores the bits; its stored bytes were analysed as they are`, entry.localHeaderOffset);
      }
      const codec = MEMBER_CODECS[entry.method];
      if (entry.method !== 0 && !codec) {
        error('unsupported', name, `compression method ${entry.method} (${methodName(entry.method)}) is not supported: the member was not analysed`);
        continue;
      }

      // A header declaring an expansion only a bomb reaches: reported, not inflated. (Lying the other way is
      // caught while inflating: decompress() stops at the same ratio and at the output limits.)
      const a = ctx.limits.archive;
      if (entry.method !== 0 && entry.uncompressedSize > a.ratioFloor && entry.uncompressedSize > a.maxRatio * Math.max(1, entry.compressedSize)) {
        finding('HIGH', 'archive/compression-bomb', name, `member declares ${entry.uncompressedSize} bytes from ${entry.compressedSize} compressed (more than ${a.maxRatio}×): a decompression bomb; it was not analysed`);
        continue;
      }

      const storage = torch && isStorage(name);
      if (storage && !storageMayHoldModel(local.head) && !(entry.method === 0 && storageMayHoldTextPickle(src, local.dataOffset, entry.compressedSize, local.head))) continue;

      let member: { source: ByteSource; dispose(): void };
      if (!codec) {
        member = { source: new SliceSource(src, local.dataOffset, entry.compressedSize), dispose: () => undefined };
      } else {
        const stored = new SliceSource(src, local.dataOffset, entry.compressedSize);
        const packed = codec === 'lzma' ? zipLzmaAsAlone(stored, entry.uncompressedSize) : stored;
        if ('error' in packed) {
          error('parse', name, packed.error);
          continue;
        }
        const opened = await decompressMember(codec, packed, 0, packed.size, ctx, SCANNER, joinMember(ctx.member, name));
        if ('error' in opened) {
          if (opened.finding) out.findings.push(opened.finding);
          out.errors.push(opened.error);
          continue;
        }
        if (opened.damage) out.errors.push(opened.damage);
        member = opened;
      }
      try {
        keras?.note(name, member.source);
        const outcome = torchScript && isBinaryPickle(member.source) ? await scanTorchScriptPickle(member.source, name, ctx) : await ctx.scanNested(member.source, name);
        // Raw tensor bytes that happen to start like a pickle break as one; only findings there are evidence.
        out.add(outcome, !storage);
        if (!storage && outcome.formats.includes('pickle') && member.source.size <= MAX_CRC_BYTES && crcOf(member.source) !== entry.crc32) {
          finding('MEDIUM', 'zip/bad-crc', name, 'the pickle member does not match its CRC-32: it was edited after zipping; torch loads it anyway while zipfile-based scanners fail on it');
        }
        if (/\.py$/i.test(name)) scriptFindings(member.source, name, ctx, out);
        else if (!outcome.scanned && outcome.formats.length > 0) error('unsupported', name, `member is ${outcome.formats.join(' + ')}, which this version cannot scan`);
        else if (!outcome.scanned && /\.pkl$/i.test(name)) error('parse', name, 'member is named like a pickle but is no format this scanner reads');
      } finally {
        member.dispose();
      }
    }
    reportOverlaps(spans, out);
    if (keras) {
      const names = dir.entries.map((e) => e.name);
      out.add(kerasV3Output(analyseKerasV3({ members: names, read: (n) => keras.json.get(n) ?? null, head: (n) => keras.heads.get(n) ?? null }, ctx.limits.formats), ctx));
    }
    return out.output;
  },
};

function describeDirectory(d: ZipDirectory): string {
  const names = d.entries.slice(0, 3).map((e) => JSON.stringify(e.name.slice(0, 60)));
  const more = d.entries.length > 3 ? ', …' : '';
  const shift = d.prefix !== 0 ? `, every offset shifted by ${d.prefix}` : '';
  return `the one at byte ${d.directoryOffset} (${d.entries.length} members: ${names.join(', ')}${more}${shift})`;
}

/** What the Keras 3 check needs from the members as the zip loop reads them. */
class KerasMembers {
  readonly json = new Map<string, Uint8Array>();
  readonly heads = new Map<string, Uint8Array>();
  constructor(private readonly maxJsonBytes: number) {}

  note(name: string, src: ByteSource): void {
    if (!this.heads.has(name)) this.heads.set(name, src.read(0, 8));
    if ((name === 'config.json' || name === 'metadata.json') && !this.json.has(name)) {
      // One byte over the limit is enough for parseJsonText to report the limit without reading the rest.
      this.json.set(name, src.read(0, Math.min(src.size, this.maxJsonBytes + 1)));
    }
  }
}

/**
 * Members whose bytes overlap (two directory entries on one local header, or data running into the next
 * header): how non-recursive zip bombs multiply output, and how two readers get two different files.
 */
function reportOverlaps(spans: [number, number, string][], out: Collector): void {
  // Writers lay members out in directory order: sort only when they are not (a cold sort of thousands of
  // spans through a comparator costs milliseconds).
  let ordered = true;
  for (let i = 1; i < spans.length && ordered; i++) ordered = spans[i - 1]![0] <= spans[i]![0];
  if (!ordered) spans.sort((a, b) => a[0] - b[0]);
  let reported = 0;
  for (let i = 1; i < spans.length && reported < 10; i++) {
    // Index access, not destructuring: this runs cold, where destructuring walks the iterator protocol.
    const span = spans[i]!;
    const prev = spans[i - 1]!;
    const start = span[0];
    const name = span[2];
    const prevEnd = prev[1];
    const prevName = prev[2];
    if (start < prevEnd) {
      out.finding('HIGH', 'zip/overlapping-members', name, `member shares bytes with ${JSON.stringify(prevName)}: overlapping entries multiply what a reader extracts (zip bombs) or show readers different files`, start);
      reported++;
    }
  }
}

function isBinaryPickle(src: ByteSource): boolean {
  const h = src.read(0, 2);
  return h.length === 2 && h[0] === 0x80 && h[1]! <= 5;
}

/** A TorchScript archive's pickles go to torch's C++ unpickler: the pickle scanner with that profile. */
async function scanTorchScriptPickle(src: ByteSource, name: string, ctx: ScanContext): Promise<NestedOutcome> {
  const r = await pickleScanner.scan(src, { ...ctx, member: joinMember(ctx.member, name), pickle: { ...ctx.pickle, torchScript: true } });
  return { ...r, formats: ['pickle'], scanned: true };
}

function scriptFindings(src: ByteSource, name: string, ctx: ScanContext, out: Collector): void {
  const max = ctx.limits.archive.maxScriptBytes;
  if (src.size > max) {
    out.error('limit', name, `Python source of ${src.size} bytes is larger than the ${max}-byte limit for the code check`);
    return;
  }
  const issues = checkScript(src.read(0, src.size).toString('utf8'));
  if (issues.length === 0) return;
  const list = issues.slice(0, 5).map((i) => `line ${i.line}: ${i.what}`).join('; ');
  out.finding('HIGH', 'torchscript/python-code', name, `Python source in the archive does what TorchScript code never does (${list}${issues.length > 5 ? '; …' : ''})`);
}

function crcOf(src: ByteSource): number {
  let c = 0;
  const CHUNK = 4 << 20;
  for (let at = 0; at < src.size; at += CHUNK) c = crc32(src.read(at, CHUNK), c);
  return c >>> 0;
}

function describeFlags(bits: number): string {
  const names: string[] = [];
  if (bits & 0x0001) names.push('encrypted');
  if (bits & 0x0020) names.push('compressed patched data');
  if (bits & 0x0040) names.push('strong encryption');
  return names.join(', ');
}

/**
 * Compression methods read, by zip method number. torch's miniz reads only stored and deflate; Python's
 * zipfile (np.load of an .npz) also reads bzip2 and LZMA, so those members are analysed too.
 */
const MEMBER_CODECS: Partial<Record<number, Codec>> = { 8: 'deflate-raw', 12: 'bzip2', 14: 'lzma' };

/**
 * A zip LZMA member (APPNOTE 5.8.8) is a 4-byte header (version, properties size), the 5 LZMA properties
 * bytes, then raw LZMA data, with or without an end marker. Rebuilt as a .lzma stream whose size is the
 * central directory's: the decoder then stops where zipfile's CRC check would, and a member that decodes
 * to more or less than it declares is an error rather than a guess.
 */
function zipLzmaAsAlone(stored: ByteSource, uncompressed: number): ByteSource | { error: string } {
  const head = stored.read(0, 9);
  if (head.length < 9) return { error: 'LZMA member is too short for its header' };
  const propsSize = head.readUInt16LE(2);
  if (propsSize !== 5) return { error: `LZMA member declares ${propsSize} bytes of properties; LZMA1 has 5` };
  const header = Buffer.alloc(13);
  head.copy(header, 0, 4, 9);
  header.writeBigUInt64LE(BigInt(uncompressed), 5);
  return new PrefixedSource(header, new SliceSource(stored, 9, stored.size - 9));
}

function methodName(m: number): string {
  return ({ 1: 'shrink', 6: 'implode', 9: 'deflate64', 12: 'bzip2', 14: 'LZMA', 93: 'zstd', 95: 'xz', 98: 'PPMd', 99: 'AES encryption' } as Record<number, string>)[m] ?? 'unknown';
}
