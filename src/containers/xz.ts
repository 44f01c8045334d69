/**
 * The .xz container (joblib's 'xz' compression, `lzma.LZMAFile` with the default FORMAT_XZ): stream
 * header, blocks of LZMA2 chunks, the block check, the index, the stream footer, stream padding and
 * concatenated streams. The LZMA decoding itself is the core in lzma.ts.
 *
 * Hand-written for the same reasons as lzma.ts (no npm decoder streams with a hard output bound and
 * survives crafted input: lzma-native is a native addon, xz-decompress is wasm, LZMA-JS buffers it all).
 *
 * What is decoded, and how it differs from Python (which a scanner must not read less than):
 * - Only LZMA2 as the single filter. BCJ, delta or any other filter is UnsupportedDataError naming it;
 *   so is a reserved check ID (Python would decode those, skipping the check).
 * - Every check (CRC32, CRC64, SHA-256) is verified, as are the block header CRC, the declared block
 *   sizes, the index (record count and sizes, through a SHA-256 of the records as liblzma's index_hash
 *   does, so memory does not grow with the number of blocks) and the stream footer.
 * - Concatenated streams are decoded, across stream padding too. Python's reader stops at padding
 *   (it treats what follows as trailing garbage); we read on, which only ever shows a scanner more.
 * - After the first stream, bytes that are not a stream are `trailing`; a later stream that fails is
 *   trailing only if it decoded nothing (lzma.ts, decodeStreams).
 * - Dictionary memory follows lzma.ts: allocated lazily, refused only when a match needs more than
 *   maxWindow of history.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ByteSource } from '../io/byte-source.js';
import { CorruptDataError, UnsupportedDataError, type DecodeOptions, type DecodeResult, type Sink, type StreamDecoder } from './codec.js';
import { decodeStreams, InputWindow, LzmaCore, parseLzmaProps } from './lzma.js';

const HEADER_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const FOOTER_MAGIC = [0x59, 0x5a];
const FILTER_LZMA2 = 0x21;
const FILTER_NAMES: Record<number, string> = {
  0x03: 'delta',
  0x04: 'BCJ x86',
  0x05: 'BCJ PowerPC',
  0x06: 'BCJ IA-64',
  0x07: 'BCJ ARM',
  0x08: 'BCJ ARM-Thumb',
  0x09: 'BCJ SPARC',
  0x0a: 'BCJ ARM64',
  0x0b: 'BCJ RISC-V',
  0x21: 'LZMA2',
};

// ---------------------------------------------------------------------------------------------------
// CRC32 (IEEE, reflected 0xEDB88320) and CRC64 (ECMA-182, reflected 0xC96C5795D7870F42), table-driven.
// CRC64 is kept as two 32-bit halves: BigInt per byte would be far too slow.

const CRC32_TABLE = new Int32Array(256);
const CRC64_LO = new Int32Array(256);
const CRC64_HI = new Int32Array(256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC32_TABLE[n] = c;
  let lo = n;
  let hi = 0;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | ((hi & 1) << 31);
    hi >>>= 1;
    if (carry) {
      lo ^= 0xd7870f42;
      hi ^= 0xc96c5795;
    }
  }
  CRC64_LO[n] = lo;
  CRC64_HI[n] = hi;
}

/** Continues a CRC32 (pass 0 to start) over `buf[start..end)`. */
export function crc32(crc: number, buf: Uint8Array, start = 0, end = buf.length): number {
  let c = ~crc;
  for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC64 state as [lo, hi] 32-bit halves; start from [0, 0]. */
export function crc64(state: [number, number], buf: Uint8Array): [number, number] {
  let lo = ~state[0];
  let hi = ~state[1];
  for (let i = 0; i < buf.length; i++) {
    const idx = (lo ^ buf[i]!) & 0xff;
    lo = ((lo >>> 8) | (hi << 24)) ^ CRC64_LO[idx]!;
    hi = (hi >>> 8) ^ CRC64_HI[idx]!;
  }
  return [~lo >>> 0, ~hi >>> 0];
}

interface Check {
  readonly size: number;
  update(chunk: Uint8Array): void;
  digest(): Buffer;
}

function makeCheck(id: number): Check {
  switch (id) {
    case 0x00:
      return { size: 0, update() {}, digest: () => Buffer.alloc(0) };
    case 0x01: {
      let c = 0;
      return {
        size: 4,
        update: (b) => (c = crc32(c, b)),
        digest: () => {
          const out = Buffer.alloc(4);
          out.writeUInt32LE(c);
          return out;
        },
      };
    }
    case 0x04: {
      let s: [number, number] = [0, 0];
      return {
        size: 8,
        update: (b) => (s = crc64(s, b)),
        digest: () => {
          const out = Buffer.alloc(8);
          out.writeUInt32LE(s[0], 0);
          out.writeUInt32LE(s[1], 4);
          return out;
        },
      };
    }
    case 0x0a: {
      const h: Hash = createHash('sha256');
      return { size: 32, update: (b) => h.update(b), digest: () => h.digest() };
    }
    default:
      throw new UnsupportedDataError(`xz check type ${id} is not supported`);
  }
}

// ---------------------------------------------------------------------------------------------------

/** Reads a multibyte integer from `buf` at `at`; returns [value, next]. At most 9 bytes, minimal encoding. */
function vliFrom(buf: Uint8Array, at: number, end: number, what: string): [number, number] {
  let value = 0;
  for (let i = 0; i < 9; i++) {
    if (at >= end) throw new CorruptDataError(`${what} runs past the block header`);
    const b = buf[at++]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) {
      // A trailing zero byte would be a second encoding of the same number: the format forbids it.
      if (i > 0 && b === 0) throw new CorruptDataError(`${what} is not minimally encoded`);
      return [value, at];
    }
  }
  throw new CorruptDataError(`${what} is longer than 9 bytes`);
}

/** The index is read byte by byte through this, keeping its CRC32. */
class CrcReader {
  crc = 0;
  private one = new Uint8Array(1);
  constructor(private readonly inp: InputWindow) {}
  byte(what: string): number {
    const b = this.inp.byte(what);
    this.one[0] = b;
    this.crc = crc32(this.crc, this.one);
    return b;
  }
  vli(what: string): number {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const b = this.byte(what);
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (i > 0 && b === 0) throw new CorruptDataError(`${what} is not minimally encoded`);
        return value;
      }
    }
    throw new CorruptDataError(`${what} is longer than 9 bytes`);
  }
}

/** Index records (unpadded size, uncompressed size) hashed as they are met, on both sides. */
class RecordHash {
  count = 0;
  private h = createHash('sha256');
  private rec = Buffer.alloc(16);
  add(unpadded: number, uncompressed: number): void {
    this.count++;
    this.rec.writeDoubleLE(unpadded, 0);
    this.rec.writeDoubleLE(uncompressed, 8);
    this.h.update(this.rec);
  }
  digest(): string {
    return this.h.digest('hex');
  }
}

function readFixed(inp: InputWindow, n: number, what: string): Buffer {
  const out = Buffer.alloc(n);
  inp.readInto(out, 0, n, what);
  return out;
}

function hasMagic(buf: Uint8Array, magic: number[], at = 0): boolean {
  return buf.length >= at + magic.length && magic.every((m, i) => buf[at + i] === m);
}

/** Dictionary size from the LZMA2 properties byte (bits 0-5; 40 means 4 GiB - 1). */
function lzma2DictSize(b: number): number {
  if (b & 0xc0) throw new CorruptDataError(`LZMA2 properties byte 0x${b.toString(16)} has reserved bits set`);
  if (b > 40) throw new CorruptDataError(`LZMA2 dictionary size code ${b} is above 40`);
  if (b === 40) return 0xffffffff;
  return (2 | (b & 1)) * 2 ** ((b >>> 1) + 11);
}

function filterName(id: number): string {
  return FILTER_NAMES[id] ?? `filter 0x${id.toString(16)}`;
}

interface BlockHeader {
  size: number;
  compressed: number | null;
  uncompressed: number | null;
  dictSize: number;
}

function parseBlockHeader(inp: InputWindow, first: number): BlockHeader {
  const size = (first + 1) * 4;
  const hdr = Buffer.alloc(size);
  hdr[0] = first;
  inp.readInto(hdr, 1, size - 1, 'xz block header');
  if (crc32(0, hdr, 0, size - 4) !== hdr.readUInt32LE(size - 4)) throw new CorruptDataError('xz block header CRC32 mismatch');
  const flags = hdr[1]!;
  if (flags & 0x3c) throw new UnsupportedDataError(`xz block flags 0x${flags.toString(16)} use reserved bits`);
  const end = size - 4;
  let at = 2;
  let compressed: number | null = null;
  let uncompressed: number | null = null;
  if (flags & 0x40) {
    [compressed, at] = vliFrom(hdr, at, end, 'block compressed size');
    if (compressed === 0) throw new CorruptDataError('xz block declares a compressed size of 0');
  }
  if (flags & 0x80) [uncompressed, at] = vliFrom(hdr, at, end, 'block uncompressed size');
  const nFilters = (flags & 3) + 1;
  const filters: { id: number; props: Uint8Array }[] = [];
  for (let i = 0; i < nFilters; i++) {
    let id: number;
    let propSize: number;
    [id, at] = vliFrom(hdr, at, end, 'filter ID');
    [propSize, at] = vliFrom(hdr, at, end, 'filter properties size');
    if (at + propSize > end) throw new CorruptDataError('filter properties run past the block header');
    filters.push({ id, props: hdr.subarray(at, at + propSize) });
    at += propSize;
  }
  for (; at < end; at++) if (hdr[at] !== 0) throw new CorruptDataError('xz block header padding is not zero');
  const other = filters.find((f) => f.id !== FILTER_LZMA2);
  if (other) throw new UnsupportedDataError(`xz filter ${filterName(other.id)} is not supported (only LZMA2)`);
  if (filters.length !== 1) throw new UnsupportedDataError(`xz filter chain of ${filters.length} filters is not supported (only LZMA2 alone)`);
  const props = filters[0]!.props;
  if (props.length !== 1) throw new CorruptDataError(`LZMA2 filter properties are ${props.length} bytes, not 1`);
  return { size, compressed, uncompressed, dictSize: lzma2DictSize(props[0]!) };
}

/** Decodes the LZMA2 chunks of one block, up to and including the 0x00 end control byte. */
function decodeLzma2(core: LzmaCore, inp: InputWindow, hdr: BlockHeader, dataStart: number, blockOut: () => number): void {
  core.newDictionary(hdr.dictSize);
  let needDictReset = true;
  let needProps = true;
  const maxEnd = hdr.compressed === null ? Infinity : dataStart + hdr.compressed;
  for (;;) {
    const control = inp.byte('LZMA2 control byte');
    if (control === 0x00) break;
    if (control >= 0xe0 || control === 0x01) {
      // A dictionary reset also requires new properties before the next LZMA chunk (liblzma's rule).
      needProps = true;
      if (!needDictReset) {
        core.flush();
        core.resetDictionary();
      }
      needDictReset = false;
    } else if (needDictReset) {
      throw new CorruptDataError('the first LZMA2 chunk does not reset the dictionary');
    }
    if (control >= 0x80) {
      const usize = (control & 0x1f) * 65536 + inp.byte('LZMA2 chunk header') * 256 + inp.byte('LZMA2 chunk header') + 1;
      const csize = inp.byte('LZMA2 chunk header') * 256 + inp.byte('LZMA2 chunk header') + 1;
      if (control >= 0xc0) {
        const pb = inp.byte('LZMA2 chunk header');
        const props = parseLzmaProps(pb);
        // LZMA2 limits lc + lp to 4 (it keeps the literal tables small); pb is at most 4 by construction.
        if (!props || props.lc + props.lp > 4) throw new CorruptDataError(`LZMA2 properties byte 0x${pb.toString(16)} is invalid`);
        core.setProps(props.lc, props.lp, props.pb);
        needProps = false;
      } else if (needProps) {
        throw new CorruptDataError('LZMA2 chunk before any properties were set');
      } else if (control >= 0xa0) {
        core.resetState();
      }
      if (hdr.uncompressed !== null && blockOut() + usize > hdr.uncompressed) {
        throw new CorruptDataError('xz block decodes to more than its declared uncompressed size');
      }
      const chunkStart = inp.abs();
      const chunkEnd = chunkStart + csize;
      if (chunkEnd > maxEnd) throw new CorruptDataError('LZMA2 chunk runs past the declared compressed size');
      core.initRange('LZMA2 chunk');
      core.run(usize, chunkEnd, false);
      core.finishRange(chunkEnd);
      // The range coder must use the whole chunk: liblzma rejects spare bytes, so nothing hides there.
      if (inp.abs() !== chunkEnd) throw new CorruptDataError(`LZMA2 chunk leaves ${chunkEnd - inp.abs()} compressed bytes unused`);
    } else {
      if (control > 0x02) throw new CorruptDataError(`invalid LZMA2 control byte 0x${control.toString(16)}`);
      const size = inp.byte('LZMA2 chunk header') * 256 + inp.byte('LZMA2 chunk header') + 1;
      if (hdr.uncompressed !== null && blockOut() + size > hdr.uncompressed) {
        throw new CorruptDataError('xz block decodes to more than its declared uncompressed size');
      }
      if (inp.abs() + size > maxEnd) throw new CorruptDataError('LZMA2 chunk runs past the declared compressed size');
      core.copyUncompressed(size);
    }
  }
}

/** Decodes one xz stream at the input's position, through its footer. */
function decodeXzStream(core: LzmaCore, inp: InputWindow): void {
  const streamStart = inp.abs();
  const header = readFixed(inp, 12, 'xz stream header');
  if (!hasMagic(header, HEADER_MAGIC)) throw new CorruptDataError('not an xz stream (bad magic)');
  if (crc32(0, header, 6, 8) !== header.readUInt32LE(8)) throw new CorruptDataError('xz stream header CRC32 mismatch');
  if (header[6] !== 0 || header[7]! & 0xf0) throw new UnsupportedDataError('xz stream flags use reserved bits');
  const checkId = header[7]!;
  makeCheck(checkId); // refuses unsupported check types before any block is read

  const records = new RecordHash();
  let indexStart: number;
  for (;;) {
    const blockStart = inp.abs();
    const first = inp.byte('xz block header');
    if (first === 0x00) {
      indexStart = blockStart;
      break;
    }
    const hdr = parseBlockHeader(inp, first);
    const check = makeCheck(checkId);
    const dataStart = inp.abs();
    core.flush(); // nothing of an earlier block may enter this block's check
    const outBefore = core.flushedBytes;
    core.onOutput = (chunk) => check.update(chunk);
    const blockOut = (): number => core.outputTotal() - outBefore;
    decodeLzma2(core, inp, hdr, dataStart, blockOut);
    core.flush();
    core.onOutput = null;
    const compressed = inp.abs() - dataStart;
    const uncompressed = core.flushedBytes - outBefore;
    if (hdr.compressed !== null && compressed !== hdr.compressed) {
      throw new CorruptDataError(`xz block has ${compressed} compressed bytes, its header says ${hdr.compressed}`);
    }
    if (hdr.uncompressed !== null && uncompressed !== hdr.uncompressed) {
      throw new CorruptDataError(`xz block decodes to ${uncompressed} bytes, its header says ${hdr.uncompressed}`);
    }
    while ((inp.abs() - streamStart) % 4 !== 0) {
      if (inp.byte('xz block padding') !== 0) throw new CorruptDataError('xz block padding is not zero');
    }
    const stored = readFixed(inp, check.size, 'xz block check');
    if (!stored.equals(check.digest())) throw new CorruptDataError(`xz block check (type ${checkId}) mismatch`);
    records.add(hdr.size + compressed + check.size, uncompressed);
  }

  // Index: indicator (already read), record count, records, padding, CRC32.
  const r = new CrcReader(inp);
  r.crc = crc32(0, new Uint8Array(1));
  const count = r.vli('xz index');
  if (count !== records.count) throw new CorruptDataError(`xz index lists ${count} blocks, the stream has ${records.count}`);
  const listed = new RecordHash();
  for (let i = 0; i < count; i++) {
    const unpadded = r.vli('xz index record');
    const uncompressed = r.vli('xz index record');
    listed.add(unpadded, uncompressed);
  }
  if (listed.digest() !== records.digest()) throw new CorruptDataError('xz index records do not match the blocks');
  while ((inp.abs() - indexStart) % 4 !== 0) {
    if (r.byte('xz index padding') !== 0) throw new CorruptDataError('xz index padding is not zero');
  }
  const crc = r.crc;
  const storedCrc = readFixed(inp, 4, 'xz index CRC32').readUInt32LE(0);
  if (crc !== storedCrc) throw new CorruptDataError('xz index CRC32 mismatch');
  const indexSize = inp.abs() - indexStart;

  const footer = readFixed(inp, 12, 'xz stream footer');
  if (!hasMagic(footer, FOOTER_MAGIC, 10)) throw new CorruptDataError('xz stream footer magic mismatch');
  if (crc32(0, footer, 4, 10) !== footer.readUInt32LE(0)) throw new CorruptDataError('xz stream footer CRC32 mismatch');
  if (footer[8] !== header[6] || footer[9] !== header[7]) throw new CorruptDataError('xz stream footer flags differ from the header');
  if ((footer.readUInt32LE(4) + 1) * 4 !== indexSize) throw new CorruptDataError('xz stream footer backward size does not match the index');
}

/**
 * Decodes .xz: every stream, as described in the header comment. `consumed` covers the streams and their
 * padding; `trailing` is what follows that is not a stream.
 */
export const decodeXz: StreamDecoder = (input: ByteSource, start: number, length: number, sink: Sink, options: DecodeOptions): DecodeResult => {
  const inp = new InputWindow(input, start, length);
  const core = new LzmaCore(inp, sink, options.maxWindow);
  return decodeStreams(core, inp, '.xz', () => decodeXzStream(core, inp), () => {
    // Stream padding: zero bytes in groups of four, counted as consumed.
    while (inp.remaining() >= 4) {
      const z = inp.peek(4);
      if (z[0]! | z[1]! | z[2]! | z[3]!) break;
      inp.pos += 4;
    }
    return inp.remaining() > 0 && hasMagic(inp.peek(6), HEADER_MAGIC);
  });
};
