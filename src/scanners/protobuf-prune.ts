/**
 * Reads a protobuf from a ByteSource keeping only the fields a scanner looks at, so that a 1.5 GB ONNX model
 * or a frozen graph full of constants costs its structure, not its tensor bytes. The walk follows a
 * "prune spec" (field number → copy whole, or descend as a sub-message), skips every other field by moving
 * the cursor (never reading it), and re-encodes what it keeps as a smaller, still valid protobuf that
 * protobufjs then decodes with the same partial schema. Lengths are checked against their enclosing
 * message, nesting depth and the kept size are bounded.
 */
import type { ByteSource } from '../io/byte-source.js';
import { Cursor, EndOfData } from '../io/cursor.js';
import { FormatError } from './emit.js';

/** For each field number: `true` to keep the field as it is, a spec to keep it as a pruned sub-message. */
export interface PruneSpec {
  [field: number]: PruneSpec | true;
}

export interface PruneLimits {
  maxDepth: number;
  /** Most bytes kept (structure only, after dropping what the spec does not name). */
  maxKeptBytes: number;
  /** Most fields visited, kept or skipped: bounds time on files made of millions of tiny fields. */
  maxFields: number;
}

export function pruneProtobuf(src: ByteSource, spec: PruneSpec, limits: PruneLimits, what: string): Buffer {
  const walk = new Walk(new Cursor(src), limits, what);
  try {
    return Buffer.concat(walk.message(src.size, spec, 0));
  } catch (err) {
    if (err instanceof EndOfData) throw new FormatError('parse', `${what} is not a valid protobuf: truncated (${err.message})`, err.offset);
    throw err;
  }
}

class Walk {
  private kept = 0;
  private fields = 0;

  constructor(
    private readonly c: Cursor,
    private readonly limits: PruneLimits,
    private readonly what: string,
  ) {}

  /** The kept fields of the message that runs from the cursor to `end`, as buffers to concatenate. */
  message(end: number, spec: PruneSpec, depth: number): Buffer[] {
    if (depth > this.limits.maxDepth) throw new FormatError('limit', `${this.what} nests messages deeper than ${this.limits.maxDepth} levels`, this.c.pos);
    const out: Buffer[] = [];
    while (this.c.pos < end) {
      if (++this.fields > this.limits.maxFields) throw new FormatError('limit', `${this.what} has more than ${this.limits.maxFields} protobuf fields`, this.c.pos);
      const at = this.c.pos;
      const key = this.varint();
      const field = Math.floor(key.value / 8);
      const wire = key.value % 8;
      const keep = field > 0 ? spec[field] : undefined;
      if (field === 0) this.fail('field number 0', at);
      // A field the schema knows as a message must be length-delimited, or every decoder misreads it.
      if (keep !== undefined && keep !== true && wire !== 2) this.fail(`field ${field} should be a message but has wire type ${wire}`, at);
      if (wire === 0) {
        const v = this.varint();
        if (keep) this.push(out, key.raw, v.raw);
      } else if (wire === 1 || wire === 5) {
        const n = wire === 1 ? 8 : 4;
        this.within(at, n, end);
        if (keep) this.push(out, key.raw, this.c.readBytes(n));
        else this.c.skip(n);
      } else if (wire === 2) {
        const len = this.varint();
        const start = this.c.pos;
        this.within(at, len.value, end, start);
        if (keep === true) {
          this.push(out, key.raw, len.raw, this.c.readBytes(len.value));
        } else if (keep) {
          const inner = this.message(start + len.value, keep, depth + 1);
          const size = inner.reduce((a, b) => a + b.length, 0);
          this.push(out, key.raw, encodeVarint(size));
          // Already copied and counted at their own level.
          for (const part of inner) out.push(part);
        } else {
          this.c.skip(len.value);
        }
      } else {
        this.fail(`wire type ${wire}`, at);
      }
    }
    if (this.c.pos !== end) this.fail('a field running past the end of its message', end);
    return out;
  }

  private within(at: number, len: number, end: number, from = this.c.pos): void {
    if (from + len > end) this.fail(`a field of ${len} bytes running past the end of its message`, at);
  }

  private push(out: Buffer[], ...parts: Buffer[]): void {
    for (const p of parts) {
      this.kept += p.length;
      // readBytes returns a view of the cursor's window: copy, the window moves on.
      out.push(Buffer.from(p));
    }
    if (this.kept > this.limits.maxKeptBytes) throw new FormatError('limit', `${this.what} has more than ${this.limits.maxKeptBytes} bytes of structure`, this.c.pos);
  }

  private varint(): { value: number; raw: Buffer } {
    const bytes: number[] = [];
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.c.readByte();
      bytes.push(b);
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return { value, raw: Buffer.from(bytes) };
    }
    return this.fail('a varint longer than 10 bytes', this.c.pos - 10);
  }

  private fail(why: string, at: number): never {
    throw new FormatError('parse', `${this.what} is not a valid protobuf: ${why} at byte ${at}`, at);
  }
}

export function encodeVarint(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}
