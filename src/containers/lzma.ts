/**
 * LZMA1 decoding: the range decoder and literal/match core shared with the LZMA2 chunks of .xz (xz.ts),
 * and the legacy .lzma "alone" container (joblib's 'lzma' compression writes it through Python's
 * `lzma.LZMAFile(..., format=FORMAT_ALONE)`).
 *
 * Hand-written because no npm decoder fits a scanner that reads attacker-controlled files: lzma-native is
 * a native addon, xz-decompress is wasm without .lzma "alone" support, and LZMA-JS decodes whole buffers
 * in memory with no output bound. This one is synchronous, pulls its input through a ByteSource window,
 * pushes output in chunks of at most CODEC_CHUNK bytes, and checks every distance, length and size
 * against what was decoded so far before using it.
 *
 * Memory rule (documented for callers): the dictionary is a circular window allocated lazily. It starts
 * at 64 KiB (or the declared size if smaller) and doubles as output grows, up to the declared dictionary
 * size rounded up to 16 bytes, and never past `maxWindow`. A header may declare any dictionary size,
 * even 4 GiB; we refuse (UnsupportedDataError) only when a match actually reaches further back than the
 * window we were allowed to keep, so a tiny stream with a huge declared dictionary still decodes.
 */
import type { ByteSource } from '../io/byte-source.js';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError, type DecodeOptions, type DecodeResult, type Sink, type StreamDecoder } from './codec.js';

/** Bytes read from the source at a time. */
const READ_WINDOW = 256 * 1024;
/**
 * One LZMA symbol reads at most 49 bytes (1 is-match + 1 is-rep + 10 length + 6 slot + 26 direct + 4 align
 * bit decodes, one byte each at most, plus the final normalisation). The hot loop refills when fewer than
 * LOOKAHEAD bytes remain, so it never bounds-checks a single byte read; past the real end the buffer has
 * PAD bytes of slack, and reading into them is caught by the per-symbol `inPos > inLimit` check before the
 * symbol's output is written.
 */
const LOOKAHEAD = 64;
const PAD = 128;

/** Thrown inside the decoders when the sink asks to stop; caught by the entry points. */
export class StopDecoding {
  readonly stop = true;
}

/** A sliding window over `length` bytes of a ByteSource, from `start`. */
export class InputWindow {
  buf = new Uint8Array(READ_WINDOW + PAD);
  /** Index of the next unread byte in `buf`. */
  pos = 0;
  /** Number of valid bytes in `buf`. */
  avail = 0;
  /** Source offset of buf[0]. */
  base: number;
  /** Source offset where the input ends. */
  end: number;

  constructor(
    private readonly src: ByteSource,
    readonly start: number,
    length: number,
  ) {
    this.base = start;
    this.end = start + Math.max(0, Math.min(length, src.size - start));
  }

  /** Source offset of the next unread byte. */
  abs(): number {
    return this.base + this.pos;
  }

  remaining(): number {
    return this.end - this.base - this.pos;
  }

  atEnd(): boolean {
    return this.base + this.avail >= this.end;
  }

  /** Makes at least `n` (<= LOOKAHEAD) bytes readable at `pos`, or all that remain. */
  fill(n: number): void {
    const have = this.avail - this.pos;
    if (have >= n) return;
    const abs = this.base + this.pos;
    const left = this.end - (abs + have);
    if (left <= 0) return;
    this.buf.copyWithin(0, this.pos, this.avail);
    this.base = abs;
    this.pos = 0;
    this.avail = have;
    const want = Math.min(left, READ_WINDOW - have);
    const chunk = this.src.read(abs + have, want);
    // A source that returns less than its size promised ends the input there.
    if (chunk.length < want) this.end = abs + have + chunk.length;
    this.buf.set(chunk, have);
    this.avail += chunk.length;
  }

  byte(what: string): number {
    if (this.pos >= this.avail) {
      this.fill(1);
      if (this.pos >= this.avail) throw new CorruptDataError(`truncated input: ${what}`);
    }
    return this.buf[this.pos++]!;
  }

  /** Copies the next `n` bytes into `dst` at `at`; truncation is corrupt. */
  readInto(dst: Uint8Array, at: number, n: number, what: string): void {
    while (n > 0) {
      if (this.pos >= this.avail) {
        this.fill(1);
        if (this.pos >= this.avail) throw new CorruptDataError(`truncated input: ${what}`);
      }
      const k = Math.min(n, this.avail - this.pos);
      dst.set(this.buf.subarray(this.pos, this.pos + k), at);
      this.pos += k;
      at += k;
      n -= k;
    }
  }

  /** Peeks up to `n` (<= LOOKAHEAD) bytes without consuming them. */
  peek(n: number): Uint8Array {
    this.fill(n);
    return this.buf.subarray(this.pos, Math.min(this.avail, this.pos + n));
  }
}

// Probability array layout (one Uint16Array, offsets as in the LZMA SDK).
const IS_MATCH = 0; // 12 states x 16 pos states
const IS_REP = 192;
const IS_REP_G0 = 204;
const IS_REP_G1 = 216;
const IS_REP_G2 = 228;
const IS_REP0_LONG = 240; // 12 x 16
const POS_SLOT = 432; // 4 len states x 64
const SPEC_POS = 688; // 128 full distances - 14
const ALIGN = 802; // 16
const LEN_CODER = 818; // choice, choice2, low 16x8, mid 16x8, high 256
const REP_LEN_CODER = 1332;
const LITERAL = 1846;
const LEN_LOW = 2;
const LEN_MID = 130;
const LEN_HIGH = 258;

const TOP = 1 << 24;
const PROB_INIT = 1024;
/** Smallest LZMA dictionary: decoders treat anything smaller as this. */
const DICT_MIN = 4096;
const DICT_INITIAL = 64 * 1024;
const EOPM_DIST = 0xffffffff;

/** Base distance of each of the 64 distance slots, as doubles (slot 63 reaches 2^32 - 1). */
const SLOT_BASE = new Float64Array(64);
for (let s = 0; s < 64; s++) SLOT_BASE[s] = s < 4 ? s : (2 + (s & 1)) * 2 ** ((s >>> 1) - 1);

/** Called on each flushed output chunk before the sink sees it (the xz check is computed here). */
export type OutputHook = (chunk: Buffer) => void;

/**
 * LZMA decoding state over a circular dictionary. LZMA2 drives it chunk by chunk (resetting state,
 * properties or dictionary as the control bytes say); the .lzma container drives one stream through it.
 */
export class LzmaCore {
  // Properties.
  private lc = 3;
  private lpMask = 0;
  private pbMask = 3;
  private probs = new Uint16Array(LITERAL + (0x300 << 3));
  private probsUsed = 0;

  // Range decoder.
  range = 0;
  code = 0;

  // Coder state.
  private state = 0;
  private rep0 = 0;
  private rep1 = 0;
  private rep2 = 0;
  private rep3 = 0;

  // Dictionary: `dict[0..bufLen)`, of which `dict[flushStart..dictPos)` is decoded but not yet flushed.
  private dict = new Uint8Array(0);
  private bufLen = 0;
  /** Largest size the window may grow to: the declared dictionary (rounded up to 16), capped by maxWindow. */
  private bufCap = 0;
  /** Declared dictionary size, rounded as liblzma does, used to tell "corrupt" from "over maxWindow". */
  private dictSize = 0;
  private dictPos = 0;
  private flushStart = 0;
  /** dictPos at which the loop must stop to flush, grow or wrap. */
  private dictLimit = 0;
  private wrapped = false;
  /** Bytes decoded since the last dictionary reset, before the current wrap of `dict`. */
  private totalBase = 0;
  /** Number of chunks handed to the sink; a later stream that fails before flushing is trailing data. */
  flushes = 0;
  /** Total bytes handed to the sink. */
  flushedBytes = 0;

  onOutput: OutputHook | null = null;

  constructor(
    readonly input: InputWindow,
    private readonly sink: Sink,
    private readonly maxWindow: number,
  ) {}

  /** Sets lc/lp/pb; the caller has validated them. Resets the coder state and probabilities. */
  setProps(lc: number, lp: number, pb: number): void {
    this.lc = lc;
    this.lpMask = (1 << lp) - 1;
    this.pbMask = (1 << pb) - 1;
    const need = LITERAL + (0x300 << (lc + lp));
    if (this.probs.length < need) this.probs = new Uint16Array(need);
    this.probsUsed = need;
    this.resetState();
  }

  resetState(): void {
    this.probs.fill(PROB_INIT, 0, this.probsUsed);
    this.state = 0;
    this.rep0 = this.rep1 = this.rep2 = this.rep3 = 0;
  }

  /**
   * Starts a new dictionary of the declared size. Nothing is allocated for the declared size itself:
   * the window grows with the output (see the header comment).
   */
  newDictionary(declared: number): void {
    const size = Math.max(DICT_MIN, declared);
    this.dictSize = Math.ceil(size / 16) * 16; // liblzma rounds its buffer up to a multiple of 16
    // The cap stays a multiple of 16 so that buffer positions keep the low 4 bits of the stream
    // position, which the pb/lp masks (at most 15) select the probabilities with.
    const maxCap = Math.max(DICT_MIN, Math.floor(this.maxWindow / 16) * 16);
    this.bufCap = Math.min(this.dictSize, maxCap);
    if (this.dict.length > this.bufCap) this.dict = new Uint8Array(0);
    this.resetDictionary();
  }

  /** Forgets the history (LZMA2 dictionary reset). Pending output must have been flushed. */
  resetDictionary(): void {
    this.dictPos = 0;
    this.flushStart = 0;
    this.wrapped = false;
    this.totalBase = 0;
    if (this.dict.length === 0) this.dict = new Uint8Array(Math.min(this.bufCap, DICT_INITIAL));
    this.bufLen = Math.min(this.dict.length, this.bufCap);
    this.dictLimit = Math.min(this.bufLen, CODEC_CHUNK);
  }

  /** Initialises the range decoder from the next 5 input bytes; the first must be 0. */
  initRange(what: string): void {
    const inp = this.input;
    if (inp.byte(what) !== 0) throw new CorruptDataError(`${what}: range coder does not start with a zero byte`);
    let code = 0;
    for (let i = 0; i < 4; i++) code = ((code << 8) | inp.byte(what)) >>> 0;
    this.code = code;
    this.range = 0xffffffff;
  }

  /** Hands the pending output to the sink. */
  flush(): void {
    const n = this.dictPos - this.flushStart;
    if (n <= 0) return;
    const chunk = Buffer.allocUnsafe(n);
    chunk.set(this.dict.subarray(this.flushStart, this.dictPos));
    this.flushStart = this.dictPos;
    this.flushes++;
    this.flushedBytes += n;
    if (this.onOutput) this.onOutput(chunk);
    if (!this.sink(chunk, this.input.abs() - this.input.start)) throw new StopDecoding();
  }

  /** Called when dictPos reaches dictLimit: flush a full batch, grow the window, or wrap it. */
  private limitReached(): void {
    if (this.dictPos - this.flushStart >= CODEC_CHUNK) this.flush();
    if (this.dictPos === this.bufLen) {
      if (this.bufLen < this.bufCap) {
        // Not wrapped yet: the history is dict[0..dictPos), copied as is.
        const grown = new Uint8Array(Math.min(this.bufCap, this.bufLen * 2));
        grown.set(this.dict.subarray(0, this.dictPos));
        this.dict = grown;
        this.bufLen = grown.length;
      } else {
        this.flush();
        this.totalBase += this.bufLen;
        this.dictPos = 0;
        this.flushStart = 0;
        this.wrapped = true;
      }
    }
    this.dictLimit = Math.min(this.bufLen, this.flushStart + CODEC_CHUNK);
  }

  /** A distance beyond the history we hold: corrupt, unless the stream has it and maxWindow made us drop it. */
  private badDistance(dist: number): never {
    const total = this.totalBase + this.dictPos;
    if (dist <= total && dist <= this.dictSize) {
      throw new UnsupportedDataError(`match distance ${dist} needs a window larger than maxWindow (${this.maxWindow})`);
    }
    throw new CorruptDataError(`match distance ${dist} reaches before the start of the ${total} bytes decoded`);
  }

  /** Copies `n` raw bytes from the input into the dictionary (an LZMA2 uncompressed chunk). */
  copyUncompressed(n: number): void {
    const inp = this.input;
    while (n > 0) {
      if (inp.pos >= inp.avail) {
        inp.fill(1);
        if (inp.pos >= inp.avail) throw new CorruptDataError('truncated input: LZMA2 uncompressed chunk');
      }
      const k = Math.min(n, inp.avail - inp.pos, this.dictLimit - this.dictPos);
      this.dict.set(inp.buf.subarray(inp.pos, inp.pos + k), this.dictPos);
      inp.pos += k;
      this.dictPos += k;
      n -= k;
      if (this.dictPos === this.dictLimit) this.limitReached();
    }
  }

  /** Output bytes decoded so far: flushed plus pending. */
  outputTotal(): number {
    return this.flushedBytes + this.dictPos - this.flushStart;
  }

  /**
   * Decodes symbols until `outLimit` bytes were produced or an end-of-payload marker is read; the range
   * decoder may not read past the source offset `regionEnd`. Returns the bytes produced; `endMarker`
   * tells whether it stopped on the marker. A match that would run past `outLimit` is corrupt (liblzma:
   * a known size ends between symbols).
   */
  endMarker = false;
  run(outLimit: number, regionEnd: number, allowEopm: boolean, probe = false): number {
    const inp = this.input;
    const p = this.probs;
    const lc = this.lc;
    const lcShift = 8 - lc;
    const lpMask = this.lpMask;
    const pbMask = this.pbMask;
    let range = this.range;
    let code = this.code;
    let inBuf = inp.buf;
    let inPos = inp.pos;
    let inLimit = Math.min(inp.avail, regionEnd - inp.base);
    let refillAt = inp.atEnd() ? inBuf.length : inp.avail - LOOKAHEAD;
    let dict = this.dict;
    let dictPos = this.dictPos;
    let dictLimit = this.dictLimit;
    let bufLen = this.bufLen;
    let state = this.state;
    let rep0 = this.rep0;
    let rep1 = this.rep1;
    let rep2 = this.rep2;
    let rep3 = this.rep3;
    let produced = 0;
    let prob = 0;
    let bound = 0;
    let pi = 0;
    let wrapped = this.wrapped;
    // In probe mode (checking for an end marker after a known size) any symbol that would write output is
    // an error: a write limit of -1 sends it to overrun(), which reports it.
    let writeLimit = probe ? -1 : inLimit;
    this.endMarker = false;
    this.probing = probe;

    while (produced < outLimit || probe) {
      if (inPos > refillAt) {
        inp.pos = inPos;
        inp.fill(LOOKAHEAD);
        inBuf = inp.buf;
        inPos = inp.pos;
        inLimit = Math.min(inp.avail, regionEnd - inp.base);
        refillAt = inp.atEnd() ? inBuf.length : inp.avail - LOOKAHEAD;
        writeLimit = probe ? -1 : inLimit;
      }
      const posState = dictPos & pbMask;

      // is-match bit
      pi = IS_MATCH + (state << 4) + posState;
      prob = p[pi]!;
      if (range < TOP) {
        range = (range << 8) >>> 0;
        code = ((code << 8) | inBuf[inPos++]!) >>> 0;
      }
      bound = (range >>> 11) * prob;
      if (code < bound) {
        range = bound;
        p[pi] = prob + ((2048 - prob) >>> 5);
        // Literal.
        const prev = dictPos > 0 ? dict[dictPos - 1]! : wrapped ? dict[bufLen - 1]! : 0;
        const base = LITERAL + 0x300 * (((dictPos & lpMask) << lc) + (prev >>> lcShift));
        let sym = 1;
        if (state < 7) {
          do {
            pi = base + sym;
            prob = p[pi]!;
            if (range < TOP) {
              range = (range << 8) >>> 0;
              code = ((code << 8) | inBuf[inPos++]!) >>> 0;
            }
            bound = (range >>> 11) * prob;
            if (code < bound) {
              range = bound;
              p[pi] = prob + ((2048 - prob) >>> 5);
              sym <<= 1;
            } else {
              range -= bound;
              code -= bound;
              p[pi] = prob - (prob >>> 5);
              sym = (sym << 1) | 1;
            }
          } while (sym < 0x100);
        } else {
          // Matched literal: the byte at rep0 (validated when rep0 was set) steers the probabilities.
          let mi = dictPos - rep0 - 1;
          if (mi < 0) mi += bufLen;
          let matchByte = dict[mi]!;
          let offs = 0x100;
          do {
            matchByte <<= 1;
            const mbit = matchByte & offs;
            pi = base + offs + mbit + sym;
            prob = p[pi]!;
            if (range < TOP) {
              range = (range << 8) >>> 0;
              code = ((code << 8) | inBuf[inPos++]!) >>> 0;
            }
            bound = (range >>> 11) * prob;
            if (code < bound) {
              range = bound;
              p[pi] = prob + ((2048 - prob) >>> 5);
              sym <<= 1;
              offs &= ~mbit;
            } else {
              range -= bound;
              code -= bound;
              p[pi] = prob - (prob >>> 5);
              sym = (sym << 1) | 1;
              offs &= mbit;
            }
          } while (sym < 0x100);
        }
        state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
        if (inPos > writeLimit) {
          this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
          this.overrun(regionEnd);
        }
        dict[dictPos++] = sym & 0xff;
        produced++;
        if (dictPos === dictLimit) {
          this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
          this.limitReached();
          dict = this.dict;
          dictLimit = this.dictLimit;
          bufLen = this.bufLen;
          dictPos = this.dictPos;
          wrapped = this.wrapped;
        }
        continue;
      }
      range -= bound;
      code -= bound;
      p[pi] = prob - (prob >>> 5);

      let len = 0;
      let lenBase = LEN_CODER;
      // is-rep bit
      pi = IS_REP + state;
      prob = p[pi]!;
      if (range < TOP) {
        range = (range << 8) >>> 0;
        code = ((code << 8) | inBuf[inPos++]!) >>> 0;
      }
      bound = (range >>> 11) * prob;
      let isNewMatch = false;
      if (code < bound) {
        range = bound;
        p[pi] = prob + ((2048 - prob) >>> 5);
        isNewMatch = true;
        state = state < 7 ? 7 : 10;
      } else {
        range -= bound;
        code -= bound;
        p[pi] = prob - (prob >>> 5);
        lenBase = REP_LEN_CODER;
        // is-rep-g0
        pi = IS_REP_G0 + state;
        prob = p[pi]!;
        if (range < TOP) {
          range = (range << 8) >>> 0;
          code = ((code << 8) | inBuf[inPos++]!) >>> 0;
        }
        bound = (range >>> 11) * prob;
        if (code < bound) {
          range = bound;
          p[pi] = prob + ((2048 - prob) >>> 5);
          // is-rep0-long
          pi = IS_REP0_LONG + (state << 4) + posState;
          prob = p[pi]!;
          if (range < TOP) {
            range = (range << 8) >>> 0;
            code = ((code << 8) | inBuf[inPos++]!) >>> 0;
          }
          bound = (range >>> 11) * prob;
          if (code < bound) {
            range = bound;
            p[pi] = prob + ((2048 - prob) >>> 5);
            // Short rep: one byte at rep0.
            state = state < 7 ? 9 : 11;
            len = 1;
          } else {
            range -= bound;
            code -= bound;
            p[pi] = prob - (prob >>> 5);
          }
        } else {
          range -= bound;
          code -= bound;
          p[pi] = prob - (prob >>> 5);
          // is-rep-g1
          pi = IS_REP_G1 + state;
          prob = p[pi]!;
          if (range < TOP) {
            range = (range << 8) >>> 0;
            code = ((code << 8) | inBuf[inPos++]!) >>> 0;
          }
          bound = (range >>> 11) * prob;
          let dist: number;
          if (code < bound) {
            range = bound;
            p[pi] = prob + ((2048 - prob) >>> 5);
            dist = rep1;
          } else {
            range -= bound;
            code -= bound;
            p[pi] = prob - (prob >>> 5);
            // is-rep-g2
            pi = IS_REP_G2 + state;
            prob = p[pi]!;
            if (range < TOP) {
              range = (range << 8) >>> 0;
              code = ((code << 8) | inBuf[inPos++]!) >>> 0;
            }
            bound = (range >>> 11) * prob;
            if (code < bound) {
              range = bound;
              p[pi] = prob + ((2048 - prob) >>> 5);
              dist = rep2;
            } else {
              range -= bound;
              code -= bound;
              p[pi] = prob - (prob >>> 5);
              dist = rep3;
              rep3 = rep2;
            }
            rep2 = rep1;
          }
          rep1 = rep0;
          rep0 = dist;
        }
        if (len === 0) state = state < 7 ? 8 : 11;
      }

      if (len === 0) {
        // Length: choice bits, then a 3-bit low/mid tree (per pos state) or the 8-bit high tree.
        pi = lenBase;
        prob = p[pi]!;
        if (range < TOP) {
          range = (range << 8) >>> 0;
          code = ((code << 8) | inBuf[inPos++]!) >>> 0;
        }
        bound = (range >>> 11) * prob;
        let treeBase: number;
        let bits: number;
        if (code < bound) {
          range = bound;
          p[pi] = prob + ((2048 - prob) >>> 5);
          treeBase = lenBase + LEN_LOW + (posState << 3);
          bits = 3;
          len = 2;
        } else {
          range -= bound;
          code -= bound;
          p[pi] = prob - (prob >>> 5);
          pi = lenBase + 1;
          prob = p[pi]!;
          if (range < TOP) {
            range = (range << 8) >>> 0;
            code = ((code << 8) | inBuf[inPos++]!) >>> 0;
          }
          bound = (range >>> 11) * prob;
          if (code < bound) {
            range = bound;
            p[pi] = prob + ((2048 - prob) >>> 5);
            treeBase = lenBase + LEN_MID + (posState << 3);
            bits = 3;
            len = 10;
          } else {
            range -= bound;
            code -= bound;
            p[pi] = prob - (prob >>> 5);
            treeBase = lenBase + LEN_HIGH;
            bits = 8;
            len = 18;
          }
        }
        let sym = 1;
        for (let i = 0; i < bits; i++) {
          pi = treeBase + sym;
          prob = p[pi]!;
          if (range < TOP) {
            range = (range << 8) >>> 0;
            code = ((code << 8) | inBuf[inPos++]!) >>> 0;
          }
          bound = (range >>> 11) * prob;
          if (code < bound) {
            range = bound;
            p[pi] = prob + ((2048 - prob) >>> 5);
            sym <<= 1;
          } else {
            range -= bound;
            code -= bound;
            p[pi] = prob - (prob >>> 5);
            sym = (sym << 1) | 1;
          }
        }
        len += sym - (1 << bits);

        if (isNewMatch) {
          // Distance: a 6-bit slot (per length state), then reverse-coded or direct bits.
          const slotBase = POS_SLOT + ((len < 6 ? len - 2 : 3) << 6);
          let slot = 1;
          do {
            pi = slotBase + slot;
            prob = p[pi]!;
            if (range < TOP) {
              range = (range << 8) >>> 0;
              code = ((code << 8) | inBuf[inPos++]!) >>> 0;
            }
            bound = (range >>> 11) * prob;
            if (code < bound) {
              range = bound;
              p[pi] = prob + ((2048 - prob) >>> 5);
              slot <<= 1;
            } else {
              range -= bound;
              code -= bound;
              p[pi] = prob - (prob >>> 5);
              slot = (slot << 1) | 1;
            }
          } while (slot < 64);
          slot -= 64;
          let dist = SLOT_BASE[slot]!;
          if (slot >= 4) {
            const numDirect = (slot >>> 1) - 1;
            let rev = 0;
            let revBase: number;
            let revBits: number;
            if (slot < 14) {
              revBase = SPEC_POS + dist - slot - 1;
              revBits = numDirect;
            } else {
              let direct = 0;
              for (let k = numDirect - 4; k > 0; k--) {
                if (range < TOP) {
                  range = (range << 8) >>> 0;
                  code = ((code << 8) | inBuf[inPos++]!) >>> 0;
                }
                range = range >>> 1;
                if (code >= range) {
                  code -= range;
                  direct = (direct << 1) | 1;
                } else {
                  direct <<= 1;
                }
              }
              dist += direct * 16;
              revBase = ALIGN;
              revBits = 4;
            }
            let m = 1;
            for (let i = 0; i < revBits; i++) {
              pi = revBase + m;
              prob = p[pi]!;
              if (range < TOP) {
                range = (range << 8) >>> 0;
                code = ((code << 8) | inBuf[inPos++]!) >>> 0;
              }
              bound = (range >>> 11) * prob;
              if (code < bound) {
                range = bound;
                p[pi] = prob + ((2048 - prob) >>> 5);
                m <<= 1;
              } else {
                range -= bound;
                code -= bound;
                p[pi] = prob - (prob >>> 5);
                m = (m << 1) | 1;
                rev |= 1 << i;
              }
            }
            dist += rev;
          }
          rep3 = rep2;
          rep2 = rep1;
          rep1 = rep0;
          rep0 = dist;
          if (dist === EOPM_DIST) {
            // End-of-payload marker: a match at distance 2^32. It ends the stream whatever its length.
            if (inPos > inLimit) {
              this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
              this.overrun(regionEnd);
            }
            this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
            if (!allowEopm) throw new CorruptDataError('end-of-payload marker where the size is known');
            this.endMarker = true;
            return produced;
          }
        }
      }

      // Copy `len` bytes from distance rep0 + 1.
      const dist1 = rep0 + 1;
      if (dist1 > (wrapped ? bufLen : dictPos)) {
        this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
        this.badDistance(dist1);
      }
      if (len > outLimit - produced) {
        this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
        throw new CorruptDataError(`match of ${len} bytes runs past the end of the data (${outLimit - produced} bytes left)`);
      }
      if (inPos > writeLimit) {
        this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
        this.overrun(regionEnd);
      }
      produced += len;
      let src = dictPos - dist1;
      if (src < 0) src += bufLen;
      for (;;) {
        let n = dictLimit - dictPos;
        if (n > len) n = len;
        if (n > bufLen - src) n = bufLen - src;
        len -= n;
        if (n > 24 && dist1 === 1) {
          dict.fill(dict[src]!, dictPos, dictPos + n);
          dictPos += n;
          src += n;
        } else if (n > 24 && (src + n <= dictPos || dictPos + n <= src)) {
          dict.copyWithin(dictPos, src, src + n);
          dictPos += n;
          src += n;
        } else {
          while (n-- > 0) dict[dictPos++] = dict[src++]!;
        }
        if (src === bufLen) src = 0;
        if (dictPos === dictLimit) {
          this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
          this.limitReached();
          dict = this.dict;
          dictLimit = this.dictLimit;
          bufLen = this.bufLen;
          dictPos = this.dictPos;
          wrapped = this.wrapped;
        }
        if (len === 0) break;
      }
    }
    this.sync(range, code, inPos, dictPos, state, rep0, rep1, rep2, rep3);
    return produced;
  }

  /** Stores the hot loop's locals before a helper that reads them (no closure: captured locals are slow). */
  private sync(range: number, code: number, inPos: number, dictPos: number, state: number, rep0: number, rep1: number, rep2: number, rep3: number): void {
    this.range = range;
    this.code = code;
    this.input.pos = inPos;
    this.dictPos = dictPos;
    this.state = state;
    this.rep0 = rep0;
    this.rep1 = rep1;
    this.rep2 = rep2;
    this.rep3 = rep3;
  }

  private probing = false;

  private overrun(regionEnd: number): never {
    if (this.probing) throw new CorruptDataError('data continues past the declared size');
    if (regionEnd < this.input.end) throw new CorruptDataError('LZMA data runs past the end of its chunk');
    throw new CorruptDataError('truncated input: LZMA data');
  }

  /**
   * After the last symbol: the encoder's flush leaves the decoder one normalisation behind and with
   * code == 0 (liblzma >= 5.4 rejects anything else, so a stream cannot hide bytes there).
   */
  finishRange(regionEnd: number): void {
    const inp = this.input;
    if (this.range < TOP) {
      inp.fill(1);
      if (inp.pos >= inp.avail || inp.abs() >= regionEnd) this.overrun(regionEnd);
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | inp.buf[inp.pos++]!) >>> 0;
    }
    if (inp.abs() > regionEnd) this.overrun(regionEnd);
    if (this.code !== 0) throw new CorruptDataError('range coder does not end cleanly');
  }

  /** Whether the range decoder could end here (normalises first, as finishRange does). */
  rangeFinished(regionEnd: number): boolean {
    const inp = this.input;
    if (this.range < TOP) {
      inp.fill(1);
      if (inp.pos >= inp.avail || inp.abs() >= regionEnd) this.overrun(regionEnd);
      this.range = (this.range << 8) >>> 0;
      this.code = ((this.code << 8) | inp.buf[inp.pos++]!) >>> 0;
    }
    return this.code === 0;
  }
}

/** Parses an LZMA properties byte; null when it is out of range. */
export function parseLzmaProps(b: number): { lc: number; lp: number; pb: number } | null {
  if (b >= 9 * 5 * 5) return null;
  const lc = b % 9;
  const lp = Math.floor(b / 9) % 5;
  const pb = Math.floor(b / 45);
  return { lc, lp, pb };
}

export { looksLikeLzmaAlone } from './lzma-header.js';

/**
 * Before a corruption error leaves the decoder, the output decoded ahead of it goes to the sink: liblzma
 * hands it to Python's reader (and so to pickle.load) before it reports the error, so it must be analysed.
 */
export function flushBeforeFailing(core: LzmaCore): void {
  try {
    core.flush();
  } catch (e) {
    if (!(e instanceof StopDecoding)) throw e;
  }
}

/**
 * Decodes one .lzma stream at the input's position. Returns normally at the end of the stream.
 * lc + lp above 4 (which liblzma refuses) is decoded too: reading more than Python can is harmless here.
 */
function decodeAloneStream(core: LzmaCore, inp: InputWindow): void {
  const propsByte = inp.byte('.lzma header');
  const props = parseLzmaProps(propsByte);
  if (!props) throw new CorruptDataError(`.lzma properties byte ${propsByte} is not below 225`);
  let dict = 0;
  for (let i = 0; i < 4; i++) dict += inp.byte('.lzma header') * 2 ** (8 * i);
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 4; i++) lo += inp.byte('.lzma header') * 2 ** (8 * i);
  for (let i = 0; i < 4; i++) hi += inp.byte('.lzma header') * 2 ** (8 * i);
  const unknown = lo === 0xffffffff && hi === 0xffffffff;
  // Sizes of 2^53 and more cannot be counted exactly; no input produces them before the sink stops.
  const size = unknown ? Infinity : hi * 2 ** 32 + lo;

  core.newDictionary(dict);
  core.setProps(props.lc, props.lp, props.pb);
  core.initRange('.lzma data');
  const regionEnd = inp.end;
  if (unknown) {
    core.run(Infinity, regionEnd, true);
    core.finishRange(regionEnd);
    return;
  }
  const produced = size > 0 ? core.run(size, regionEnd, true) : 0;
  if (core.endMarker) throw new CorruptDataError(`end-of-payload marker after ${produced} of the ${size} bytes declared`);
  // The declared size is reached. xz-utils (and so Python) also accept an end marker right after it.
  if (core.rangeFinished(regionEnd)) return;
  decodeEndMarker(core, regionEnd);
  core.finishRange(regionEnd);
}

/** Decodes one symbol that must be the end-of-payload marker (after a known size was reached). */
function decodeEndMarker(core: LzmaCore, regionEnd: number): void {
  try {
    core.run(0, regionEnd, true, true);
  } catch (e) {
    // A literal, a match of any length, or a distance outside the window: in any case not the marker.
    if (e instanceof CorruptDataError || e instanceof UnsupportedDataError) throw new CorruptDataError('data continues past the declared size');
    throw e;
  }
  if (!core.endMarker) throw new CorruptDataError('data continues past the declared size');
}

/**
 * Decodes the legacy .lzma ("alone") format as Python's LZMAFile(format=FORMAT_ALONE) reads it: streams
 * one after another (see decodeStreams for what counts as trailing data).
 *
 * Note on the sink: output is flushed at the end of each stream, so stream boundaries never share a chunk.
 */
export const decodeLzmaAlone: StreamDecoder = (input: ByteSource, start: number, length: number, sink: Sink, options: DecodeOptions): DecodeResult => {
  const inp = new InputWindow(input, start, length);
  const core = new LzmaCore(inp, sink, options.maxWindow);
  return decodeStreams(core, inp, '.lzma', () => decodeAloneStream(core, inp), () => {
    const left = inp.remaining();
    return left >= 13 && inp.peek(13)[0]! < 225;
  });
};

/**
 * The reading of concatenated streams that .lzma and .xz share. The first stream must be there. After each,
 * `nextStream` moves past what may separate streams (xz's padding) and says whether another stream starts;
 * if not, the rest is `trailing`. Python tries another stream on whatever follows one and ignores it only
 * when it fails at once: a later stream that fails before decoding anything is trailing too, but one that
 * decoded output (read by Python's caller by then) or is valid and unsupported makes this file fail.
 * Output decoded before a corruption reaches the sink first (flushBeforeFailing).
 */
export function decodeStreams(core: LzmaCore, inp: InputWindow, what: string, decodeStream: () => void, nextStream: () => boolean): DecodeResult {
  const start = inp.start;
  let consumed = 0;
  try {
    if (inp.remaining() <= 0) throw new CorruptDataError(`empty ${what} input`);
    decodeStream();
    for (;;) {
      core.flush();
      consumed = inp.abs() - start;
      const more = nextStream();
      consumed = inp.abs() - start;
      if (!more) break;
      const before = core.outputTotal();
      try {
        decodeStream();
      } catch (e) {
        if (e instanceof CorruptDataError && core.outputTotal() === before) break;
        throw e;
      }
    }
  } catch (e) {
    if (e instanceof StopDecoding) return { consumed: inp.abs() - start, stopped: true, trailing: 0 };
    if (e instanceof CorruptDataError) flushBeforeFailing(core);
    throw e;
  }
  return { consumed, stopped: false, trailing: inp.end - start - consumed };
}
