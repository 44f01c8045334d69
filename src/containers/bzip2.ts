/**
 * A bounded, synchronous bzip2 decoder (the format of libbzip2 1.0.x, which Python's bz2 module wraps).
 *
 * Why hand-written: no npm package decodes bzip2 as a stream with a hard output bound and is built to
 * survive crafted input. seek-bzip decodes a whole buffer at a time; unbzip2-stream is an asynchronous
 * stream with no output bound, and neither sets out to make every check libbzip2 makes. Here the input is
 * pulled through a ByteSource window by window, output goes to the sink in chunks of at most CODEC_CHUNK
 * bytes, and memory is one block's tt array (at most 900 000 entries) plus small tables.
 *
 * Every check libbzip2's BZ2_decompress and unRLE_obuf_to_output_FAST make is made here, and the Huffman
 * decoding reproduces libbzip2's limit/base/perm walk exactly, so a table libbzip2 accepts (even an
 * incomplete or over-subscribed one) decodes to the same bytes, and one it rejects is rejected. The only
 * deliberate difference: a code that lands in libbzip2's perm[] past the alphabet (it would read stale
 * memory there) is rejected as corrupt.
 *
 * Time is linear in input plus output: every loop either consumes input bits, produces output, or is
 * bounded by a per-block constant (tables of at most 6 x 258 entries, 18 002 selectors, 900 000 symbols).
 */
import type { ByteSource } from '../io/byte-source.js';
import { CODEC_CHUNK, CorruptDataError, type DecodeResult, type Sink, type StreamDecoder } from './codec.js';

/** Input is read in windows of this size, never all at once. */
const WINDOW = 256 * 1024;
/** Zero bytes supplied past the end so a 20-bit peek never stops the decoder; consuming them is truncation. */
const PAD = 8;
const ZEROS = new Uint8Array(PAD);

const MAX_GROUPS = 6;
const MAX_ALPHA = 258;
const MAX_CODE_LEN = 20;
/** libbzip2's BZ_MAX_CODE_LEN: the size of its limit/base arrays (lengths up to 20, plus base[len + 1]). */
const LIMIT_SIZE = 23;
/** libbzip2 >= 1.0.8 keeps at most this many selectors and ignores the rest (CVE-2019-12900 fix). */
const MAX_SELECTORS = 2 + 900000 / 50;
const GROUP_SIZE = 50;
/** A RUNA/RUNB run longer than 21 symbols is rejected by libbzip2 (N >= 2M); no block is that long anyway. */
const MAX_RUN_WEIGHT = 2 * 1024 * 1024;

/** Fast lookup: the first FAST_BITS bits of a code give (symbol << 5 | length), 0 when the code is longer. */
const FAST_BITS = 10;
const FAST_SIZE = 1 << FAST_BITS;
const FAST_MASK = FAST_SIZE - 1;

const BLOCK_MAGIC_HI = 0x314159;
const BLOCK_MAGIC_LO = 0x265359;
const EOS_MAGIC_HI = 0x177245;
const EOS_MAGIC_LO = 0x385090;

/** CRC-32 as bzip2 computes it: polynomial 0x04c11db7, most significant bit first. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    t[i] = c;
  }
  return t;
})();

/** libbzip2's BZ2_rNums: the gaps between the bytes a randomised block flips (bzip2 0.9.0 to 0.9.5 wrote such blocks). */
// prettier-ignore
const R_NUMS = new Int32Array([
  619, 720, 127, 481, 931, 816, 813, 233, 566, 247, 985, 724, 205, 454, 863, 491, 741, 242, 949, 214,
  733, 859, 335, 708, 621, 574, 73, 654, 730, 472, 419, 436, 278, 496, 867, 210, 399, 680, 480, 51,
  878, 465, 811, 169, 869, 675, 611, 697, 867, 561, 862, 687, 507, 283, 482, 129, 807, 591, 733, 623,
  150, 238, 59, 379, 684, 877, 625, 169, 643, 105, 170, 607, 520, 932, 727, 476, 693, 425, 174, 647,
  73, 122, 335, 530, 442, 853, 695, 249, 445, 515, 909, 545, 703, 919, 874, 474, 882, 500, 594, 612,
  641, 801, 220, 162, 819, 984, 589, 513, 495, 799, 161, 604, 958, 533, 221, 400, 386, 867, 600, 782,
  382, 596, 414, 171, 516, 375, 682, 485, 911, 276, 98, 553, 163, 354, 666, 933, 424, 341, 533, 870,
  227, 730, 475, 186, 263, 647, 537, 686, 600, 224, 469, 68, 770, 919, 190, 373, 294, 822, 808, 206,
  184, 943, 795, 384, 383, 461, 404, 758, 839, 887, 715, 67, 618, 276, 204, 918, 873, 777, 604, 560,
  951, 160, 578, 722, 79, 804, 96, 409, 713, 940, 652, 934, 970, 447, 318, 353, 859, 672, 112, 785,
  645, 863, 803, 350, 139, 93, 354, 99, 820, 908, 609, 772, 154, 274, 580, 184, 79, 626, 630, 742,
  653, 282, 762, 623, 680, 81, 927, 626, 789, 125, 411, 521, 938, 300, 821, 78, 343, 175, 128, 250,
  170, 774, 972, 275, 999, 639, 495, 78, 352, 126, 857, 956, 358, 619, 580, 124, 737, 594, 701, 612,
  669, 112, 134, 694, 363, 992, 809, 743, 168, 974, 944, 375, 748, 52, 600, 747, 642, 182, 862, 81,
  344, 805, 988, 739, 511, 655, 814, 334, 249, 515, 897, 955, 664, 981, 649, 113, 974, 459, 893, 228,
  433, 837, 553, 268, 926, 240, 102, 654, 459, 51, 686, 754, 806, 760, 493, 403, 415, 394, 687, 700,
  946, 670, 656, 610, 738, 392, 760, 799, 887, 653, 978, 321, 576, 617, 626, 502, 894, 679, 243, 440,
  680, 879, 194, 572, 640, 724, 926, 56, 204, 700, 707, 151, 457, 449, 797, 195, 791, 558, 945, 679,
  297, 59, 87, 824, 713, 663, 412, 693, 342, 606, 134, 108, 571, 364, 631, 212, 174, 643, 304, 329,
  343, 97, 430, 751, 497, 314, 983, 374, 822, 928, 140, 206, 73, 263, 980, 736, 876, 478, 430, 305,
  170, 514, 364, 692, 829, 82, 855, 953, 676, 246, 369, 970, 294, 750, 807, 827, 150, 790, 288, 923,
  804, 378, 215, 828, 592, 281, 565, 555, 710, 82, 896, 831, 547, 261, 524, 462, 293, 465, 502, 56,
  661, 821, 976, 991, 658, 869, 905, 758, 745, 193, 768, 550, 608, 933, 378, 286, 215, 979, 792, 961,
  61, 688, 793, 644, 986, 403, 106, 366, 905, 644, 372, 567, 466, 434, 645, 210, 389, 550, 919, 135,
  780, 773, 635, 389, 707, 100, 626, 958, 165, 504, 920, 176, 193, 713, 857, 265, 203, 50, 668, 108,
  645, 990, 626, 197, 510, 357, 358, 850, 858, 364, 936, 638,
]);

const corrupt = (what: string, at: number) => new CorruptDataError(`${what} (near byte ${at})`);

/** The bits of `length` bytes of `src` from `start`, MSB first, read a window at a time. */
class BitReader {
  buf: Uint8Array = ZEROS;
  /** Next byte of `buf` to shift into bitBuf; `end` bytes of `buf` are valid. */
  pos = 0;
  end = 0;
  /** Offset (from `start`) of buf[0]. */
  base = 0;
  /** Index in `buf` where real input stops (== end, except in the zero pad window where it is 0). */
  realEnd = 0;
  /** The low `bitCount` bits of bitBuf are unread, the oldest highest. bitCount is at most 32. */
  bitBuf = 0;
  bitCount = 0;

  constructor(
    private readonly src: ByteSource,
    private readonly start: number,
    public length: number,
  ) {}

  /** Moves to the next window; past the end, one window of PAD zero bytes, then truncation. */
  load(): void {
    const next = this.base + this.end;
    if (next < this.length) {
      const w = this.src.read(this.start + next, Math.min(WINDOW, this.length - next));
      if (w.length > 0) {
        this.buf = w;
        this.base = next;
        this.pos = 0;
        this.end = this.realEnd = w.length;
        return;
      }
      this.length = next; // the source is shorter than we were told: its end is the end of the input
    }
    if (next >= this.length + PAD) throw corrupt('truncated input', this.length);
    this.buf = ZEROS;
    this.base = next;
    this.pos = 0;
    this.end = this.length + PAD - next;
    this.realEnd = 0;
  }

  /** Bytes shifted into the bit buffer so far, real ones only: monotone, what the sink is told. */
  loaded(): number {
    return Math.min(this.base + this.pos, this.length);
  }

  /** Byte offset of the next unread bit, for error messages. */
  at(): number {
    return Math.max(0, Math.min(this.length, this.base + this.pos - (this.bitCount >> 3)));
  }

  /** Throws when bits of the zero padding were consumed: the input ended inside the stream. */
  checkOverrun(): void {
    if (this.pos > this.realEnd && (this.pos - this.realEnd) * 8 > this.bitCount) throw corrupt('truncated input', this.length);
  }

  /** Reads n <= 24 bits. */
  bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.end) this.load();
      this.bitBuf = (this.bitBuf << 8) | this.buf[this.pos++]!;
      this.bitCount += 8;
    }
    this.bitCount -= n;
    this.checkOverrun();
    return (this.bitBuf >>> this.bitCount) & ((1 << n) - 1);
  }

  bits32(): number {
    const hi = this.bits(16);
    return ((hi << 16) | this.bits(16)) >>> 0;
  }

  /** Drops the padding bits up to the next byte boundary; returns the offset of that boundary. */
  alignToByte(): number {
    this.bitCount -= this.bitCount & 7;
    return this.base + this.pos - (this.bitCount >> 3);
  }
}

function isHeader(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3]! >= 0x31 && b[3]! <= 0x39;
}

/** A start of `BZh[1-9]` cut short: libbzip2 waits for more input and Python reports the file truncated. */
function isHeaderPrefix(b: Uint8Array): boolean {
  const want = [0x42, 0x5a, 0x68];
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (i < 3 ? c !== want[i] : c < 0x31 || c > 0x39) return false;
  }
  return b.length > 0;
}

class Bzip2Decoder {
  private readonly r: BitReader;
  private tt: Uint32Array = new Uint32Array(0);
  private out: Buffer = Buffer.allocUnsafe(CODEC_CHUNK);
  private op = 0;

  // Per-block tables, allocated once.
  private readonly seqToUnseq = new Uint8Array(256);
  private readonly selectorMtf = new Uint8Array(MAX_SELECTORS);
  private readonly selectors = new Uint8Array(MAX_SELECTORS);
  private readonly lens = new Uint8Array(MAX_GROUPS * MAX_ALPHA);
  private readonly limit = new Int32Array(MAX_GROUPS * LIMIT_SIZE);
  private readonly base = new Int32Array(MAX_GROUPS * LIMIT_SIZE);
  private readonly perm = new Int32Array(MAX_GROUPS * MAX_ALPHA);
  private readonly minLens = new Int32Array(MAX_GROUPS);
  private readonly maxLens = new Int32Array(MAX_GROUPS);
  private readonly fast = new Int32Array(MAX_GROUPS * FAST_SIZE);
  private readonly fastBuilt = new Uint8Array(MAX_GROUPS);
  private readonly unzftab = new Int32Array(256);
  private readonly cftab = new Int32Array(257);
  private readonly mtf = new Uint8Array(256);
  private alphaSize = 0;

  constructor(
    private readonly src: ByteSource,
    private readonly start: number,
    length: number,
    private readonly sink: Sink,
  ) {
    this.r = new BitReader(src, start, length);
  }

  run(): DecodeResult {
    try {
      return this.streams();
    } catch (e) {
      // The output decoded ahead of a corruption is what libbzip2 hands Python's reader (and pickle.load)
      // before it reports the error: the sink gets it, so it is analysed.
      if (e instanceof CorruptDataError && this.op > 0) this.flushTail();
      throw e;
    }
  }

  private streams(): DecodeResult {
    const r = this.r;
    let streamStart = 0;
    for (let first = true; ; first = false) {
      const head = this.src.read(this.start + streamStart, 4);
      if (!isHeader(head)) {
        if (first && head.length < 4 && isHeaderPrefix(head)) throw corrupt('input ends inside the stream header', 0);
        if (first) throw new CorruptDataError('not a bzip2 stream: it does not start with BZh1 to BZh9');
        const rest = r.length - streamStart;
        if (rest === 0) break;
        // Python's readers try another stream on whatever follows one; an incomplete header makes them
        // report the file truncated, anything else they ignore.
        if (rest < 4 && isHeaderPrefix(head)) throw corrupt('input ends inside a second stream header', streamStart);
        break;
      }
      if (!this.stream()) return { consumed: r.loaded(), stopped: true, trailing: 0 };
      // The end-of-stream marker is padded to a byte: the next stream, if any, starts at a byte boundary.
      streamStart = r.alignToByte();
    }
    if (this.op > 0 && !this.flushTail()) return { consumed: streamStart, stopped: true, trailing: r.length - streamStart };
    return { consumed: streamStart, stopped: false, trailing: r.length - streamStart };
  }

  /** Hands the full output buffer to the sink and starts a new one (the sink may keep the old one). */
  private flushFull(): boolean {
    const chunk = this.out;
    this.out = Buffer.allocUnsafe(CODEC_CHUNK);
    this.op = 0;
    return this.sink(chunk, this.r.loaded());
  }

  private flushTail(): boolean {
    const chunk = Buffer.from(this.out.subarray(0, this.op)); // a copy: the 1 MiB buffer is not pinned by a small tail
    this.op = 0;
    return this.sink(chunk, this.r.loaded());
  }

  /** Decodes one stream from its `BZh` header; false when the sink stopped. */
  private stream(): boolean {
    const r = this.r;
    r.bits(24); // "BZh", checked by the caller
    const level = r.bits(8) - 0x30;
    const blockMax = level * 100000;
    let combined = 0;
    for (;;) {
      const hi = r.bits(24);
      const lo = r.bits(24);
      if (hi === BLOCK_MAGIC_HI && lo === BLOCK_MAGIC_LO) {
        const storedCrc = r.bits32();
        const crc = this.block(blockMax, storedCrc);
        if (crc < 0) return false;
        combined = (((combined << 1) | (combined >>> 31)) ^ crc) >>> 0;
      } else if (hi === EOS_MAGIC_HI && lo === EOS_MAGIC_LO) {
        const stored = r.bits32();
        if (stored !== combined) throw corrupt(`stream CRC ${hex(stored)} stored, ${hex(combined)} computed`, r.at());
        return true;
      } else {
        throw corrupt('bad block magic', r.at() - 6);
      }
    }
  }

  /** Decodes and outputs one block; returns its CRC, or -1 when the sink stopped. */
  private block(blockMax: number, storedCrc: number): number {
    const r = this.r;
    const randomised = r.bits(1) === 1;
    const origPtr = r.bits(24);
    // libbzip2 rejects it early (> 10 + blockMax) and again after decoding (>= nblock); nblock <= blockMax.
    if (origPtr >= blockMax) throw corrupt(`origPtr ${origPtr} beyond the block size ${blockMax}`, r.at());

    // Symbol map: 16 bits say which 16-byte ranges occur, then 16 bits for each range that does.
    const seqToUnseq = this.seqToUnseq;
    let nInUse = 0;
    const inUse16 = r.bits(16);
    for (let i = 0; i < 16; i++) {
      if ((inUse16 & (0x8000 >>> i)) === 0) continue;
      const bits = r.bits(16);
      for (let j = 0; j < 16; j++) if (bits & (0x8000 >>> j)) seqToUnseq[nInUse++] = i * 16 + j;
    }
    if (nInUse === 0) throw corrupt('block uses no byte values', r.at());
    const alphaSize = (this.alphaSize = nInUse + 2);

    const nGroups = r.bits(3);
    if (nGroups < 2 || nGroups > MAX_GROUPS) throw corrupt(`${nGroups} Huffman tables (2 to 6 allowed)`, r.at());
    let nSelectors = r.bits(15);
    if (nSelectors < 1) throw corrupt('no selectors', r.at());
    const selectorMtf = this.selectorMtf;
    for (let i = 0; i < nSelectors; i++) {
      let j = 0;
      while (r.bits(1) === 1) {
        j++;
        if (j >= nGroups) throw corrupt('selector names a missing Huffman table', r.at());
      }
      // Selectors past 18002 could never be used (18002 * 50 symbols exceed any block): libbzip2 >= 1.0.8
      // reads and drops them, where 1.0.7 overflowed its array.
      if (i < MAX_SELECTORS) selectorMtf[i] = j;
    }
    if (nSelectors > MAX_SELECTORS) nSelectors = MAX_SELECTORS;
    // Undo the MTF coding of the selectors.
    const pos = [0, 1, 2, 3, 4, 5];
    const selectors = this.selectors;
    for (let i = 0; i < nSelectors; i++) {
      let v = selectorMtf[i]!;
      const tmp = pos[v]!;
      for (; v > 0; v--) pos[v] = pos[v - 1]!;
      pos[0] = tmp;
      selectors[i] = tmp;
    }

    // Code lengths, delta-coded; libbzip2 checks the running length before every step.
    const lens = this.lens;
    for (let t = 0; t < nGroups; t++) {
      let curr = r.bits(5);
      for (let i = 0; i < alphaSize; i++) {
        for (;;) {
          if (curr < 1 || curr > MAX_CODE_LEN) throw corrupt(`Huffman code length ${curr} (1 to 20 allowed)`, r.at());
          if (r.bits(1) === 0) break;
          curr += r.bits(1) === 0 ? 1 : -1;
        }
        lens[t * MAX_ALPHA + i] = curr;
      }
      this.makeDecodeTables(t);
      this.fastBuilt[t] = 0;
    }

    const nblock = this.decodeSymbols(blockMax, nSelectors, nInUse);
    if (origPtr >= nblock) throw corrupt(`origPtr ${origPtr} outside the block of ${nblock} bytes`, r.at());
    return this.output(nblock, origPtr, randomised, storedCrc);
  }

  /** libbzip2's BZ2_hbCreateDecodeTables, verbatim in effect: decoding must match it even for odd tables. */
  private makeDecodeTables(t: number): void {
    const lens = this.lens;
    const alphaSize = this.alphaSize;
    const lo = t * LIMIT_SIZE;
    const lensAt = t * MAX_ALPHA;
    const limit = this.limit;
    const base = this.base;
    const perm = this.perm;
    let minLen = 32;
    let maxLen = 0;
    for (let i = 0; i < alphaSize; i++) {
      const l = lens[lensAt + i]!;
      if (l > maxLen) maxLen = l;
      if (l < minLen) minLen = l;
    }
    this.minLens[t] = minLen;
    this.maxLens[t] = maxLen;
    let pp = t * MAX_ALPHA;
    for (let l = minLen; l <= maxLen; l++) for (let i = 0; i < alphaSize; i++) if (lens[lensAt + i] === l) perm[pp++] = i;
    base.fill(0, lo, lo + LIMIT_SIZE);
    for (let i = 0; i < alphaSize; i++) base[lo + lens[lensAt + i]! + 1]!++;
    for (let i = 1; i < LIMIT_SIZE; i++) base[lo + i] = base[lo + i]! + base[lo + i - 1]!;
    limit.fill(0, lo, lo + LIMIT_SIZE);
    let vec = 0;
    for (let l = minLen; l <= maxLen; l++) {
      vec += base[lo + l + 1]! - base[lo + l]!;
      limit[lo + l] = vec - 1;
      vec <<= 1;
    }
    for (let l = minLen + 1; l <= maxLen; l++) base[lo + l] = ((limit[lo + l - 1]! + 1) << 1) - base[lo + l]!;
  }

  /**
   * The fast table of group t: for each FAST_BITS-bit prefix, the symbol and length libbzip2's walk
   * (try length minLen, then one bit more while the value exceeds limit[len]) stops at, if it stops within
   * FAST_BITS bits on a valid perm index; 0 otherwise (the slow walk then decides or throws). At each
   * length the prefixes still undecided form a range [undecided, 2^len), so filling is linear in the table.
   */
  private buildFast(t: number): void {
    const fast = this.fast;
    const fo = t * FAST_SIZE;
    fast.fill(0, fo, fo + FAST_SIZE);
    const lo = t * LIMIT_SIZE;
    const po = t * MAX_ALPHA;
    const top = Math.min(this.maxLens[t]!, FAST_BITS);
    let undecided = 0;
    for (let zn = this.minLens[t]!; zn <= top; zn++) {
      const lim = Math.min(this.limit[lo + zn]!, (1 << zn) - 1);
      const b = this.base[lo + zn]!;
      for (let v = undecided; v <= lim; v++) {
        const idx = v - b;
        if (idx < 0 || idx >= this.alphaSize) continue;
        const shift = FAST_BITS - zn;
        fast.fill((this.perm[po + idx]! << 5) | zn, fo + (v << shift), fo + ((v + 1) << shift));
      }
      undecided = Math.max(undecided, lim + 1) << 1;
      if (undecided >= 1 << (zn + 1)) break;
    }
    this.fastBuilt[t] = 1;
  }

  /** The slow walk for codes longer than FAST_BITS (or invalid ones): `v20` holds the next 20 bits. */
  private slowSymbol(t: number, v20: number): number {
    const lo = t * LIMIT_SIZE;
    for (let zn = this.minLens[t]!; zn <= MAX_CODE_LEN; zn++) {
      const zvec = v20 >>> (MAX_CODE_LEN - zn);
      if (zvec <= this.limit[lo + zn]!) {
        const idx = zvec - this.base[lo + zn]!;
        // libbzip2 allows idx up to 257 and then reads perm entries no table wrote; we refuse.
        if (idx < 0 || idx >= this.alphaSize) throw corrupt('Huffman code outside its table', this.r.at());
        return (this.perm[t * MAX_ALPHA + idx]! << 5) | zn;
      }
    }
    throw corrupt('undecodable Huffman code (longer than 20 bits)', this.r.at());
  }

  /**
   * Huffman + RUNA/RUNB + MTF decoding of one block into tt[0..nblock) (byte values in the low 8 bits).
   * The bit reader's state lives in locals here: this is the hot loop.
   */
  private decodeSymbols(blockMax: number, nSelectors: number, nInUse: number): number {
    const r = this.r;
    let tt: Uint32Array = this.tt;
    const fast = this.fast;
    const mtf = this.mtf;
    const unzftab = this.unzftab;
    const selectors = this.selectors;
    const eob = nInUse + 1;
    unzftab.fill(0);
    for (let i = 0; i < nInUse; i++) mtf[i] = this.seqToUnseq[i]!;

    let buf = r.buf;
    let pos = r.pos;
    let end = r.end;
    let realEnd = r.realEnd;
    let bitBuf = r.bitBuf;
    let bitCount = r.bitCount;

    let nblock = 0;
    let groupNo = -1;
    let groupPos = 0;
    let t = 0;
    let fo = 0;
    let runAcc = 0;
    let runWeight = 1;
    try {
      for (;;) {
        if (groupPos === 0) {
          groupNo++;
          if (groupNo >= nSelectors) throw corrupt('block has more symbols than its selectors cover', r.base + pos - (bitCount >> 3));
          groupPos = GROUP_SIZE;
          t = selectors[groupNo]!;
          fo = t * FAST_SIZE;
          if (this.fastBuilt[t] === 0) this.buildFast(t);
        }
        groupPos--;

        while (bitCount <= 24) {
          if (pos >= end) {
            r.pos = pos;
            r.load();
            buf = r.buf;
            pos = r.pos;
            end = r.end;
            realEnd = r.realEnd;
          }
          bitBuf = (bitBuf << 8) | buf[pos++]!;
          bitCount += 8;
        }
        let e = fast[fo + ((bitBuf >>> (bitCount - FAST_BITS)) & FAST_MASK)]!;
        if (e === 0) {
          r.bitBuf = bitBuf;
          r.bitCount = bitCount;
          r.pos = pos;
          e = this.slowSymbol(t, (bitBuf >>> (bitCount - MAX_CODE_LEN)) & 0xfffff);
        }
        bitCount -= e & 31;
        if (pos > realEnd && (pos - realEnd) * 8 > bitCount) throw corrupt('truncated input', r.length);
        const sym = e >>> 5;

        if (sym <= 1) {
          // RUNA (0) adds 1 x weight, RUNB (1) adds 2 x weight; weights double: bijective base 2.
          if (runWeight >= MAX_RUN_WEIGHT) throw corrupt('run of RUNA/RUNB symbols too long', r.base + pos - (bitCount >> 3));
          runAcc += runWeight << sym;
          runWeight <<= 1;
          continue;
        }
        if (runAcc > 0) {
          // The run repeats the byte at the front of the MTF list; it must fit in the declared block size.
          if (runAcc > blockMax - nblock) throw corrupt(`run overflows the ${blockMax}-byte block`, r.base + pos - (bitCount >> 3));
          if (nblock + runAcc > tt.length) tt = this.growTt(nblock + runAcc, blockMax);
          const uc = mtf[0]!;
          unzftab[uc] = unzftab[uc]! + runAcc;
          if (runAcc < 32) for (let k = 0; k < runAcc; k++) tt[nblock + k] = uc;
          else tt.fill(uc, nblock, nblock + runAcc);
          nblock += runAcc;
          runAcc = 0;
          runWeight = 1;
        }
        if (sym === eob) break;
        if (nblock >= blockMax) throw corrupt(`block longer than its declared ${blockMax} bytes`, r.base + pos - (bitCount >> 3));
        if (nblock >= tt.length) tt = this.growTt(nblock + 1, blockMax);
        // sym - 1 is an MTF index below nInUse (sym < alphaSize = nInUse + 2 and sym != eob).
        let nn = sym - 1;
        const uc = mtf[nn]!;
        if (nn < 40) {
          for (; nn > 0; nn--) mtf[nn] = mtf[nn - 1]!;
        } else {
          mtf.copyWithin(1, 0, nn);
        }
        mtf[0] = uc;
        unzftab[uc] = unzftab[uc]! + 1;
        tt[nblock++] = uc;
      }
    } finally {
      r.bitBuf = bitBuf;
      r.bitCount = bitCount;
      r.pos = pos;
    }
    return nblock;
  }

  /**
   * tt grows with the block (doubling, at most to the declared block size) so a small input never pays for
   * a 3.6 MB array; it is kept for the next blocks and streams.
   */
  private growTt(need: number, blockMax: number): Uint32Array {
    const grown = new Uint32Array(Math.min(blockMax, Math.max(need, this.tt.length * 2, 1 << 16)));
    grown.set(this.tt);
    this.tt = grown;
    return grown;
  }

  /**
   * Inverse BWT, un-randomising, the final RLE1 (4 equal bytes then a count 0-255) and the block CRC, fused
   * into one loop that writes straight into the output chunk. Returns the block CRC or -1 when stopped.
   */
  private output(nblock: number, origPtr: number, randomised: boolean, storedCrc: number): number {
    const tt = this.tt;
    const cftab = this.cftab;
    const unzftab = this.unzftab;
    cftab[0] = 0;
    for (let i = 0; i < 256; i++) cftab[i + 1] = cftab[i]! + unzftab[i]!;
    for (let i = 0; i < nblock; i++) {
      const uc = tt[i]! & 0xff;
      const j = cftab[uc]!;
      tt[j] = tt[j]! | (i << 8);
      cftab[uc] = j + 1;
    }

    let tPos = tt[origPtr]! >>> 8;
    let crc = -1;
    let out = this.out;
    let op = this.op;
    let last = -1;
    let runLen = 0;
    let rNToGo = 0;
    let rTPos = 0;
    const table = CRC_TABLE;
    for (let used = 0; used < nblock; used++) {
      tPos = tt[tPos]!;
      let b = tPos & 0xff;
      tPos >>>= 8;
      if (randomised) {
        if (rNToGo === 0) {
          rNToGo = R_NUMS[rTPos]!;
          if (++rTPos === 512) rTPos = 0;
        }
        rNToGo--;
        if (rNToGo === 1) b ^= 1;
      }
      if (runLen === 4) {
        // b is the count of further copies of the 4 bytes just written.
        for (let k = 0; k < b; k++) {
          crc = (crc << 8) ^ table[((crc >>> 24) ^ last) & 0xff]!;
          out[op++] = last;
          if (op === CODEC_CHUNK) {
            this.op = op;
            if (!this.flushFull()) return -1;
            out = this.out;
            op = 0;
          }
        }
        runLen = 0;
        continue;
      }
      if (b === last) runLen++;
      else {
        last = b;
        runLen = 1;
      }
      crc = (crc << 8) ^ table[((crc >>> 24) ^ b) & 0xff]!;
      out[op++] = b;
      if (op === CODEC_CHUNK) {
        this.op = op;
        if (!this.flushFull()) return -1;
        out = this.out;
        op = 0;
      }
    }
    this.op = op;
    // The compressor always writes a count after 4 equal bytes; libbzip2 reads past the block for it and
    // reports the stream corrupt.
    if (runLen === 4) throw corrupt('block ends after 4 equal bytes without their run count', this.r.at());
    const blockCrc = ~crc >>> 0;
    if (blockCrc !== storedCrc) throw corrupt(`block CRC ${hex(storedCrc)} stored, ${hex(blockCrc)} computed`, this.r.at());
    return blockCrc;
  }
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

/**
 * Decodes the bzip2 streams in `length` bytes of `input` from `start`, as Python's bz2 readers would:
 * concatenated streams one after another; after a complete stream, bytes that do not start another
 * (`BZh1`-`BZh9`) are `trailing`. `consumed` is the end of the last complete stream (while stopped: the
 * bytes read so far). Output is pushed as it is decoded, before its block CRC is known; on a
 * CorruptDataError, output of the last partial chunk is dropped. One difference from bz2.decompress, on
 * purpose: a later stream that starts with a valid header but is corrupt throws here, where Python drops
 * it silently (a scanner should not skip bytes it could not read). `options.maxWindow` does not apply: a
 * block needs at most 900 000 x 4 bytes, which every caller can afford.
 */
export const decodeBzip2: StreamDecoder = (input, start, length, sink) => {
  const s = Number.isFinite(start) ? Math.max(0, Math.floor(start)) : 0;
  const n = Number.isFinite(length) ? Math.max(0, Math.min(Math.floor(length), input.size - s)) : 0;
  return new Bzip2Decoder(input, s, n, sink).run();
};
