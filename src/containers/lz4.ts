/**
 * A bounded, synchronous decoder for LZ4 frames (the "LZ4 Frame Format Description", v1.6.x), which is
 * what joblib's 'lz4' compression writes through `lz4.frame.LZ4FrameFile` (magic 04 22 4D 18).
 *
 * Hand-written because the npm lz4 packages are either native addons or old whole-buffer decoders, and none
 * has a hard output bound; the format is small enough to check every field. Memory is one buffer of the
 * frame's declared block maximum (64 KiB to 4 MiB; 8 MiB for legacy frames) plus 64 KiB of history, never
 * the size of the input or of the output.
 *
 * What is read, mirroring `LZ4FrameFile` (Python's reader, on top of the reference LZ4F decoder):
 *  - frames one after another; skippable frames (magic 0x184D2A50..5F) are skipped;
 *  - bytes after the last frame that are not another frame are an error there (RuntimeError / EOFError),
 *    so they are CorruptDataError here and `trailing` is always 0 (`lz4.frame.decompress` would ignore
 *    them, but it reads one frame only and is not what joblib uses);
 *  - every checksum the frame declares is verified, and a declared content size must match (a declared
 *    0 means unknown, as in LZ4F);
 *  - a frame that names a preset dictionary is UnsupportedDataError (LZ4FrameFile decodes it without the
 *    dictionary; here such a frame is declined rather than guessed at);
 *  - legacy frames (magic 0x184C2102, written by old `lz4 -l`) are decoded too, as the lz4 command line
 *    does, although LZ4FrameFile refuses them: decoding more than Python can only show the scanner more.
 * The end-of-block rules of the LZ4 block format are enforced exactly as the reference decoder
 * (LZ4_decompress_safe, which LZ4F uses with the block maximum as output capacity) enforces them, so a
 * block is accepted here if and only if Python would accept it; the one deliberate difference is a match
 * offset of 0, which the specification calls corrupt and the reference decoder fills from its own buffer.
 */
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError, type DecodeResult, type StreamDecoder } from './codec.js';

const FRAME_MAGIC = 0x184d2204;
const LEGACY_MAGIC = 0x184c2102;
/** Skippable frames use 0x184D2A50..0x184D2A5F: the low nibble is free. */
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

/** Linked blocks may copy from up to 64 KiB of earlier output (the largest 16-bit offset is 65535). */
const HISTORY = 1 << 16;
/** Legacy frames: blocks of 8 MiB of output at most, each compressed to at most LZ4_compressBound(8 MiB). */
const LEGACY_BLOCK = 8 << 20;
const LEGACY_BOUND = LEGACY_BLOCK + Math.floor(LEGACY_BLOCK / 255) + 16;

// End-of-block constants of the block format (lz4.c): the last 5 bytes of a block are literals, the last
// match starts at least 12 bytes before the end.
const LASTLITERALS = 5;
const MFLIMIT = 12;

const corrupt = (msg: string) => new CorruptDataError(msg);

// ---------------------------------------------------------------------------------------------------------
// xxHash32, the checksum of the header, the blocks and the content.

const P1 = 0x9e3779b1;
const P2 = 0x85ebca77;
const P3 = 0xc2b2ae3d;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));
const u32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

/** Streaming xxHash32; `digest()` returns an unsigned 32-bit value. */
export class Xxh32 {
  private v1: number;
  private v2: number;
  private v3: number;
  private v4: number;
  private readonly mem = new Uint8Array(16);
  private memLen = 0;
  /** Total length modulo 2^32 (xxh32 folds the length in as a 32-bit value), and whether it reached 16. */
  private total = 0;
  private large = false;

  constructor(private readonly seed = 0) {
    this.v1 = (seed + P1 + P2) | 0;
    this.v2 = (seed + P2) | 0;
    this.v3 = seed | 0;
    this.v4 = (seed - P1) | 0;
  }

  update(b: Uint8Array, start: number, end: number): void {
    const len = end - start;
    this.total = (this.total + len) >>> 0;
    if (this.memLen + len >= 16) this.large = true;
    let i = start;
    if (this.memLen > 0) {
      const take = Math.min(16 - this.memLen, len);
      this.mem.set(b.subarray(i, i + take), this.memLen);
      this.memLen += take;
      i += take;
      if (this.memLen < 16) return;
      this.stripes(this.mem, 0, 16);
      this.memLen = 0;
    }
    const full = i + ((end - i) & ~15);
    if (full > i) this.stripes(b, i, full);
    if (end > full) {
      this.mem.set(b.subarray(full, end), 0);
      this.memLen = end - full;
    }
  }

  private stripes(b: Uint8Array, i: number, end: number): void {
    let v1 = this.v1;
    let v2 = this.v2;
    let v3 = this.v3;
    let v4 = this.v4;
    for (; i < end; i += 16) {
      v1 = (v1 + Math.imul(u32le(b, i), P2)) | 0;
      v1 = Math.imul((v1 << 13) | (v1 >>> 19), P1);
      v2 = (v2 + Math.imul(u32le(b, i + 4), P2)) | 0;
      v2 = Math.imul((v2 << 13) | (v2 >>> 19), P1);
      v3 = (v3 + Math.imul(u32le(b, i + 8), P2)) | 0;
      v3 = Math.imul((v3 << 13) | (v3 >>> 19), P1);
      v4 = (v4 + Math.imul(u32le(b, i + 12), P2)) | 0;
      v4 = Math.imul((v4 << 13) | (v4 >>> 19), P1);
    }
    this.v1 = v1;
    this.v2 = v2;
    this.v3 = v3;
    this.v4 = v4;
  }

  digest(): number {
    let h = this.large ? (rotl(this.v1, 1) + rotl(this.v2, 7) + rotl(this.v3, 12) + rotl(this.v4, 18)) | 0 : (this.seed + P5) | 0;
    h = (h + this.total) | 0;
    const m = this.mem;
    let i = 0;
    for (; i + 4 <= this.memLen; i += 4) {
      h = (h + Math.imul(u32le(m, i), P3)) | 0;
      h = Math.imul(rotl(h, 17), P4);
    }
    for (; i < this.memLen; i++) {
      h = (h + Math.imul(m[i]!, P5)) | 0;
      h = Math.imul(rotl(h, 11), P1);
    }
    h ^= h >>> 15;
    h = Math.imul(h, P2);
    h ^= h >>> 13;
    h = Math.imul(h, P3);
    h ^= h >>> 16;
    return h >>> 0;
  }
}

/** One-shot xxHash32 of b[start, end). */
export function xxh32(b: Uint8Array, start = 0, end = b.length, seed = 0): number {
  const h = new Xxh32(seed);
  h.update(b, start, end);
  return h.digest();
}

// ---------------------------------------------------------------------------------------------------------
// LZ4 block format.

/**
 * Decodes the block src[ip, iend) into dst from `op`; `cap` is the output capacity (the block maximum) and
 * matches may reach back to dst[low]. Returns the end of the output.
 *
 * The checks that look odd are the reference decoder's: a sequence whose literals end within MFLIMIT bytes
 * of the capacity, or leave fewer than 8 input bytes (offset + token + 5 last literals), must be the last
 * one and end the block exactly; a match may not end within LASTLITERALS bytes of the capacity; after the
 * bytes extending a match length at least 4 input bytes must remain. Together they make every block end with
 * literals and keep this decoder accepting exactly what Python's lz4 accepts.
 */
function decodeBlock(src: Uint8Array, ip: number, iend: number, dst: Uint8Array, op: number, cap: number, low: number): number {
  const oend = op + cap;
  for (;;) {
    // Every pass reads a token, so the loop always consumes input.
    if (ip >= iend) throw corrupt('block ends without its last literals');
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= iend) throw corrupt('literal length runs past the end of the block');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    const litEnd = op + lit;
    const ipLit = ip + lit;
    if (litEnd > oend - MFLIMIT || ipLit > iend - (2 + 1 + LASTLITERALS)) {
      // This must be the last sequence: literals only, ending the block exactly.
      if (ipLit > iend) throw corrupt('literals run past the end of the block');
      if (ipLit !== iend) throw corrupt('block does not end with at least 5 literals');
      if (litEnd > oend) throw corrupt(`block decodes to more than its ${cap}-byte maximum`);
      copyLiterals(src, ip, lit, dst, op);
      return litEnd;
    }
    copyLiterals(src, ip, lit, dst, op);
    op = litEnd;
    ip = ipLit;

    const off = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    // Offset 0 would copy bytes not written yet (and never advance the doubling copy below); the
    // specification calls it corrupt.
    if (off === 0) throw corrupt('match offset 0');
    if (off > op - low) throw corrupt(`match offset ${off} reaches before the ${op - low} bytes available`);
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        // The reference decoder wants 4 bytes (a token and the last literals) left after these bytes.
        if (ip >= iend - 4) throw corrupt('match length runs past the end of the block');
        b = src[ip++]!;
        ml += b;
      } while (b === 255);
    }
    ml += 4;
    const mEnd = op + ml;
    if (mEnd > oend - LASTLITERALS) throw corrupt(`match runs into the last 5 bytes of the ${cap}-byte block maximum`);
    let m = op - off;
    if (ml <= 32) {
      // Short copies: byte stores beat the call overhead of copyWithin, and copying byte by byte in order is
      // also what an overlapping match (offset < length) means. Four at a time may write up to 3 bytes past
      // mEnd: still inside the buffer (mEnd <= oend - 5), and overwritten by what follows or never emitted.
      do {
        dst[op] = dst[m]!;
        dst[op + 1] = dst[m + 1]!;
        dst[op + 2] = dst[m + 2]!;
        dst[op + 3] = dst[m + 3]!;
        op += 4;
        m += 4;
      } while (op < mEnd);
      op = mEnd;
    } else if (off >= ml) {
      dst.copyWithin(op, m, m + ml);
      op = mEnd;
    } else if (off === 1) {
      dst.fill(dst[op - 1]!, op, mEnd);
      op = mEnd;
    } else {
      // Overlapping: the output repeats with period \`off\`; copy the pattern from \`m\`, doubling each time.
      while (op < mEnd) {
        const n = Math.min(op - m, mEnd - op);
        dst.copyWithin(op, m, m + n);
        op += n;
      }
    }
  }
}

function copyLiterals(src: Uint8Array, ip: number, lit: number, dst: Uint8Array, op: number): void {
  if (lit < 16) {
    for (let k = 0; k < lit; k++) dst[op + k] = src[ip + k]!;
  } else {
    dst.set(src.subarray(ip, ip + lit), op);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Frames.

/** A plain Uint8Array over a Buffer's bytes: V8 compiles the block loop tighter for it than for Buffer. */
const u8 = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
// (Used for the checksums too, so that every hot function sees one kind of array.)

class Stop {}
const STOP = new Stop();

export const decodeLz4Frame: StreamDecoder = (input, start, length, sink, options): DecodeResult => {
  const end = start + length;
  let pos = start;
  /** Output buffer: HISTORY bytes of history, then room for one block. Grown to the largest block maximum. */
  let win: Buffer | null = null;

  /** Reads exactly n bytes at pos (without moving it), or throws: input ending early is a truncation. */
  const need = (n: number, what: string): Buffer => {
    const avail = Math.max(0, end - pos);
    // A short read means the source itself ends before `start + length`.
    const b = n <= avail ? input.read(pos, n) : null;
    if (b === null || b.length < n) throw corrupt(`truncated ${what}: ${n} bytes needed at offset ${pos - start}, ${b?.length ?? avail} left`);
    return b;
  };

  const buffer = (blockMax: number): Buffer => {
    if (blockMax > options.maxWindow) throw new UnsupportedDataError(`${blockMax}-byte blocks are over the ${options.maxWindow}-byte window limit`);
    if (win === null || win.length < HISTORY + blockMax) win = Buffer.allocUnsafe(HISTORY + blockMax);
    return win;
  };

  /** Hands out[a, b) to the sink as fresh buffers of at most CODEC_CHUNK bytes; throws STOP when told to. */
  const emit = (out: Buffer, a: number, b: number) => {
    for (let i = a; i < b; i += CODEC_CHUNK) {
      const j = Math.min(b, i + CODEC_CHUNK);
      if (!sink(Buffer.from(out.subarray(i, j)), pos - start)) throw STOP;
    }
  };

  const frame = () => {
    const head = need(6, 'frame header');
    const flg = head[4]!;
    const bd = head[5]!;
    if (flg >>> 6 !== 1) throw corrupt(`frame version ${flg >>> 6}, not 1`);
    if (flg & 0x02) throw corrupt('reserved FLG bit set');
    if (bd & 0x8f) throw corrupt('reserved BD bits set');
    const bsid = (bd >>> 4) & 7;
    if (bsid < 4) throw corrupt(`block maximum size id ${bsid} (4 to 7 are defined)`);
    const blockMax = 1 << (8 + 2 * bsid);
    const independent = (flg & 0x20) !== 0;
    const blockChecksum = (flg & 0x10) !== 0;
    const hasSize = (flg & 0x08) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    const hasDict = (flg & 0x01) !== 0;
    const descLen = 2 + (hasSize ? 8 : 0) + (hasDict ? 4 : 0);
    const header = need(4 + descLen + 1, 'frame header');
    const hc = (xxh32(u8(header), 4, 4 + descLen) >>> 8) & 0xff;
    if (hc !== header[4 + descLen]!) throw corrupt('frame header checksum mismatch');
    // Blocks may reference the dictionary, which is not in the file: nothing to decode them against.
    if (hasDict) throw new UnsupportedDataError('the frame needs a preset dictionary');
    // Above 2^53 the number is inexact, but no output of that size is ever reached, so it cannot match.
    // A declared size of 0 means "unknown" to the reference decoder (LZ4F), so Python reads such a frame
    // whatever its content: it is not checked here either.
    const declared = hasSize ? header.readUInt32LE(6) + header.readUInt32LE(10) * 2 ** 32 : 0;
    const contentSize = declared > 0 ? declared : -1;
    pos += 4 + descLen + 1;

    const out = buffer(blockMax);
    const outU8 = u8(out);
    const hash = contentChecksum ? new Xxh32() : null;
    let produced = 0;
    let history = 0;
    for (;;) {
      const raw = need(4, 'block header').readUInt32LE(0);
      pos += 4;
      if (raw === 0) break; // end mark
      const stored = raw >>> 31 === 1;
      const size = raw & 0x7fffffff;
      // The block maximum is what bounds memory: no block, stored or compressed, may be larger.
      if (size > blockMax) throw corrupt(`block of ${size} bytes over the frame's ${blockMax}-byte maximum`);
      const data = need(size + (blockChecksum ? 4 : 0), 'block');
      const dataU8 = u8(data);
      if (blockChecksum && xxh32(dataU8, 0, size) !== data.readUInt32LE(size)) throw corrupt('block checksum mismatch');
      pos += data.length;
      let n: number;
      if (stored) {
        out.set(data.subarray(0, size), HISTORY);
        n = size;
      } else {
        n = decodeBlock(dataU8, 0, size, outU8, HISTORY, blockMax, independent ? HISTORY : HISTORY - history) - HISTORY;
      }
      produced += n;
      if (contentSize >= 0 && produced > contentSize) throw corrupt(`frame decodes to more than its declared ${contentSize} bytes`);
      hash?.update(outU8, HISTORY, HISTORY + n);
      emit(out, HISTORY, HISTORY + n);
      if (!independent) {
        // Keep the last 64 KiB of output (this block and what was kept before it) in front of the next block.
        const keep = Math.min(HISTORY, history + n);
        out.copyWithin(HISTORY - keep, HISTORY + n - keep, HISTORY + n);
        history = keep;
      }
    }
    if (hash !== null) {
      const want = need(4, 'content checksum').readUInt32LE(0);
      pos += 4;
      if (hash.digest() !== want) throw corrupt('content checksum mismatch');
    }
    if (contentSize >= 0 && produced !== contentSize) throw corrupt(`frame decodes to ${produced} bytes, not its declared ${contentSize}`);
  };

  const legacy = () => {
    pos += 4;
    const out = buffer(LEGACY_BLOCK);
    // A legacy frame has no end mark: it ends with the input or where a frame magic number follows. Every
    // magic number is larger than LEGACY_BOUND, so a size above it ends the frame (as in the lz4 tool), and
    // the frame loop decides whether what follows is a frame.
    while (pos < end) {
      const size = need(4, 'legacy block header').readUInt32LE(0);
      if (size > LEGACY_BOUND) return;
      pos += 4;
      if (size === 0) throw corrupt('empty legacy block');
      const data = need(size, 'legacy block');
      pos += size;
      const n = decodeBlock(u8(data), 0, size, u8(out), HISTORY, LEGACY_BLOCK, HISTORY) - HISTORY;
      emit(out, HISTORY, HISTORY + n);
    }
  };

  try {
    // Python's reader fails on empty input ("ended before the end-of-stream marker").
    if (length <= 0) throw corrupt('empty input');
    let first = true;
    while (pos < end) {
      // Each pass consumes at least 7 bytes (a frame header) or 8 (a skippable frame), or throws.
      if (end - pos < 4) throw corrupt(first ? 'input shorter than a frame magic number' : `${end - pos} bytes after the last frame are not a frame`);
      const magic = need(4, 'magic number').readUInt32LE(0);
      if (magic === FRAME_MAGIC) frame();
      else if ((magic & SKIPPABLE_MASK) === SKIPPABLE_MAGIC) {
        const size = need(8, 'skippable frame header').readUInt32LE(4);
        if (size > end - pos - 8) throw corrupt(`truncated skippable frame: ${size} bytes declared, ${end - pos - 8} left`);
        pos += 8 + size;
      } else if (magic === LEGACY_MAGIC) legacy();
      else throw corrupt(first ? `not an LZ4 frame (magic 0x${magic.toString(16).padStart(8, '0')})` : 'data after the last frame is not an LZ4 frame');
      first = false;
    }
    return { consumed: pos - start, stopped: false, trailing: 0 };
  } catch (err) {
    if (err === STOP) return { consumed: pos - start, stopped: true, trailing: 0 };
    throw err;
  }
};
