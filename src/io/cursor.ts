/**
 * A forward-reading cursor over a ByteSource with a bounded window. Large payloads are skipped by moving the
 * position, never by reading them, so a pickle dominated by 1 GiB of array bytes costs only its opcodes.
 */
import type { ByteSource } from './byte-source.js';

const DEFAULT_WINDOW = 1 << 20;

/** The data ended before a read could be satisfied. Not an Error: it is control flow, thrown often. */
export class EndOfData {
  constructor(
    readonly offset: number,
    readonly wanted: number,
  ) {}
  get message(): string {
    return `data ends at byte ${this.offset} (wanted ${this.wanted} more)`;
  }
}

export class Cursor {
  // The window is public for one reader: the pickle VM's dispatch loop reads opcodes and fixed-width arguments
  // straight from `buf` and moves `i` past them (after ensure()), because a method call per opcode byte was a
  // large share of its time. Everyone else uses the methods.
  /** The window: buf[k] is the source byte at bufStart + k. */
  buf: Buffer = Buffer.alloc(0);
  /** Source offset of buf[0]. */
  bufStart = 0;
  /** Index of the next byte inside buf. */
  i = 0;

  constructor(
    private readonly src: ByteSource,
    start = 0,
    private readonly window = DEFAULT_WINDOW,
  ) {
    this.bufStart = start;
  }

  get size(): number {
    return this.src.size;
  }

  get pos(): number {
    return this.bufStart + this.i;
  }

  get remaining(): number {
    return this.src.size - this.pos;
  }

  seek(pos: number): void {
    if (pos >= this.bufStart && pos <= this.bufStart + this.buf.length) {
      this.i = pos - this.bufStart;
    } else {
      this.buf = Buffer.alloc(0);
      this.bufStart = pos;
      this.i = 0;
    }
  }

  /** Makes at least `n` bytes available in the window unless the source ends first. Returns how many are. */
  private fill(n: number): number {
    const have = this.buf.length - this.i;
    if (have >= n) return have;
    const pos = this.pos;
    const want = Math.max(n, this.window);
    const fresh = this.src.read(pos, want);
    this.buf = fresh;
    this.bufStart = pos;
    this.i = 0;
    return fresh.length;
  }

  /** Makes the window hold the next `n` bytes, or all that is left of the source when fewer remain. */
  ensure(n: number): void {
    if (this.buf.length - this.i < n) this.fill(n);
  }

  readByte(): number {
    if (this.i < this.buf.length) return this.buf[this.i++]!;
    if (this.fill(1) < 1) throw new EndOfData(this.pos, 1);
    return this.buf[this.i++]!;
  }

  /** Reads exactly n bytes (n should be small: it is held in memory). */
  readBytes(n: number): Buffer {
    if (this.fill(n) < n) throw new EndOfData(this.pos, n);
    const out = this.buf.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }

  readUInt8(): number {
    return this.readByte();
  }
  // Fixed-width reads straight from the window when it holds them: no subarray per opcode argument.
  readUInt16LE(): number {
    const i = this.i;
    if (i + 2 <= this.buf.length) {
      this.i = i + 2;
      return this.buf[i]! | (this.buf[i + 1]! << 8);
    }
    return this.readBytes(2).readUInt16LE(0);
  }
  readUInt32LE(): number {
    const i = this.i;
    if (i + 4 <= this.buf.length) {
      this.i = i + 4;
      return this.buf.readUInt32LE(i);
    }
    return this.readBytes(4).readUInt32LE(0);
  }
  readInt32LE(): number {
    const i = this.i;
    if (i + 4 <= this.buf.length) {
      this.i = i + 4;
      return this.buf.readInt32LE(i);
    }
    return this.readBytes(4).readInt32LE(0);
  }
  /** 64-bit little-endian length as a bigint (lengths near 2^63 must be rejected, not wrapped). */
  readUInt64LE(): bigint {
    return this.readBytes(8).readBigUInt64LE(0);
  }

  /** Moves forward n bytes without reading them. Throws if the source is shorter. */
  skip(n: number): void {
    if (n > this.remaining) throw new EndOfData(this.pos, n);
    const inWindow = this.buf.length - this.i;
    if (n <= inWindow) this.i += n;
    else this.seek(this.pos + n);
  }

  /**
   * Reads a text line up to and including '\n'. Returns the line without the newline, keeping at most
   * `keep` bytes of it in memory; `length` is the full length. Throws EndOfData when no newline comes.
   */
  readLine(keep: number): { text: Buffer; length: number } {
    const start = this.pos;
    const kept: Buffer[] = [];
    let keptLen = 0;
    for (;;) {
      if (this.i >= this.buf.length && this.fill(1) < 1) {
        throw new EndOfData(this.pos, 1);
      }
      const nl = newlineAt(this.buf, this.i);
      const end = nl < 0 ? this.buf.length : nl;
      if (keptLen < keep) {
        const take = Math.min(end - this.i, keep - keptLen);
        kept.push(this.buf.subarray(this.i, this.i + take));
        keptLen += take;
      }
      if (nl >= 0) {
        this.i = nl + 1;
        const length = this.pos - start - 1;
        return { text: kept.length === 1 ? kept[0]! : Buffer.concat(kept), length };
      }
      this.i = this.buf.length;
    }
  }
}

/** buf.indexOf(0x0a, from), with the short lines of names and numbers scanned here: the native call cost more. */
function newlineAt(buf: Buffer, from: number): number {
  const end = Math.min(buf.length, from + 64);
  for (let k = from; k < end; k++) if (buf[k] === 0x0a) return k;
  return end === buf.length ? -1 : buf.indexOf(0x0a, end);
}
