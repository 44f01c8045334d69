/**
 * Random-access reads over some bytes: a file descriptor, an in-memory buffer, or a window of another source.
 *
 * Reads are synchronous on purpose: scanners are CPU-bound loops over small windows, and a synchronous
 * read of a 1 MiB window costs far less than the promise machinery around it. Nothing here ever reads a
 * whole multi-GB file: callers ask for the ranges they need.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  readonly size: number;
  /** Reads up to `length` bytes at `offset`; returns fewer only at the end of the source. */
  read(offset: number, length: number): Buffer;
  close(): void;
}

export class BufferSource implements ByteSource {
  constructor(private readonly buf: Buffer) {}
  get size(): number {
    return this.buf.length;
  }
  read(offset: number, length: number): Buffer {
    if (offset >= this.buf.length || length <= 0) return Buffer.alloc(0);
    return this.buf.subarray(offset, Math.min(this.buf.length, offset + length));
  }
  close(): void {}
}

export class FileSource implements ByteSource {
  private fd: number | null;
  readonly size: number;

  /** `path` is kept for readers that can only open files by name (h5wasm). */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  read(offset: number, length: number): Buffer {
    if (this.fd === null) throw new Error('read after close');
    const n = Math.max(0, Math.min(length, this.size - offset));
    if (n === 0) return Buffer.alloc(0);
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, out, got, n - got, offset + got);
      if (r === 0) break; // the file shrank under us: return what exists
      got += r;
    }
    return got === n ? out : out.subarray(0, got);
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** A window [start, start+length) of another source; used for nested payloads so they are never copied. */
export class SliceSource implements ByteSource {
  constructor(
    private readonly inner: ByteSource,
    private readonly start: number,
    readonly size: number,
  ) {
    if (start < 0 || size < 0 || start + size > inner.size) throw new RangeError('slice outside its source');
  }
  read(offset: number, length: number): Buffer {
    if (offset >= this.size || length <= 0) return Buffer.alloc(0);
    return this.inner.read(this.start + offset, Math.min(length, this.size - offset));
  }
  close(): void {
    // The inner source belongs to whoever opened it.
  }
}

/** A small in-memory prefix followed by another source: a header rebuilt in front of bytes read in place. */
export class PrefixedSource implements ByteSource {
  readonly size: number;
  constructor(
    private readonly prefix: Buffer,
    private readonly rest: ByteSource,
  ) {
    this.size = prefix.length + rest.size;
  }
  read(offset: number, length: number): Buffer {
    if (offset >= this.size || length <= 0) return Buffer.alloc(0);
    const end = Math.min(this.size, offset + length);
    if (offset >= this.prefix.length) return this.rest.read(offset - this.prefix.length, end - offset);
    const head = this.prefix.subarray(offset, Math.min(end, this.prefix.length));
    if (end <= this.prefix.length) return head;
    return Buffer.concat([head, this.rest.read(0, end - this.prefix.length)]);
  }
  close(): void {
    // The inner source belongs to whoever opened it.
  }
}
