/**
 * The unpickler's memo, as CPython keeps it: index → object, and memo_len (the number of occupied entries),
 * which is where MEMOIZE stores next. Dense while indices grow in order (MEMOIZE, BINPUT n, n+1…), with a
 * map for far-away indices (LONG_BINPUT 4000000000 must not allocate four billion slots).
 *
 * Pickles memoise nearly every object they write, so a pickle of two million small dicts fills four million
 * entries; the layout here is chosen for that:
 * - Dense entries live in fixed-size chunks, never in one array grown by push: growing a multi-million-slot
 *   array re-allocates and copies it in V8's large-object space, which measured at 2-3x the cost of chunked
 *   stores for MEMOIZE-heavy streams.
 * - Strings located in the source are kept as typed-array entries (offset, length, encoding) and turned back
 *   into values when fetched: a JS object alive per memoised string made the garbage collector the largest
 *   cost (peak RSS on the 2-million-dict benchmark fell from ~380 to ~290 MB). A string fetched once is kept
 *   as the value it became: dict keys are written once and fetched for every record.
 */
import type { Span, Value } from './values.js';

const STR = Symbol('memoised str span');
const ENCS: readonly Span['enc'][] = ['raw', 'utf8', 'string-escape', 'raw-unicode-escape'];
function encIndex(e: Span['enc']): number {
  return e === 'utf8' ? 1 : e === 'raw' ? 0 : e === 'string-escape' ? 2 : 3;
}

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;

type Slot = Value | typeof STR | undefined;

/** CHUNK consecutive entries; the typed arrays exist once a located string is stored in the chunk. */
class Chunk {
  readonly slots: Slot[] = new Array<Slot>(CHUNK).fill(undefined);
  offsets: Float64Array | null = null;
  lengths: Float64Array | null = null;
  encs: Uint8Array | null = null;
}

export class Memo {
  private chunks: Chunk[] = [];
  /** Indices beyond the chunks and the one that may follow them (LONG_BINPUT 4000000000). */
  private readonly far = new Map<number, Value>();
  private count = 0;

  constructor(private max: number) {}

  /** Empties the memo for a new run. */
  reset(max: number): void {
    this.max = max;
    if (this.chunks.length > 0) this.chunks = [];
    if (this.far.size > 0) this.far.clear();
    this.count = 0;
  }

  /** memo_len: the number of occupied entries. */
  get size(): number {
    return this.count;
  }

  /** Stores v at idx; false when that would grow the memo past its limit (nothing is stored then). */
  set(idx: number, v: Value): boolean {
    const chunk = this.chunkFor(idx);
    if (chunk === null) {
      if (!this.far.has(idx)) {
        if (this.count >= this.max) return false;
        this.count++;
      }
      this.far.set(idx, v);
      return true;
    }
    const j = idx & IN_CHUNK;
    // An index stored far away before the chunks reached it moves into them, counted once.
    if (chunk.slots[j] === undefined && !(this.far.size > 0 && this.far.delete(idx))) {
      if (this.count >= this.max) return false;
      this.count++;
    }
    if (v.kind === 'str' && v.text === null) {
      if (chunk.offsets === null) {
        chunk.offsets = new Float64Array(CHUNK);
        chunk.lengths = new Float64Array(CHUNK);
        chunk.encs = new Uint8Array(CHUNK);
      }
      chunk.offsets[j] = v.offset;
      chunk.lengths![j] = v.length;
      chunk.encs![j] = encIndex(v.enc);
      chunk.slots[j] = STR;
    } else {
      chunk.slots[j] = v;
    }
    return true;
  }

  get(idx: number): Value | undefined {
    if (idx >= 0 && idx < this.chunks.length * CHUNK) {
      const chunk = this.chunks[idx >>> CHUNK_BITS]!;
      const j = idx & IN_CHUNK;
      const s = chunk.slots[j];
      if (s === STR) {
        const v: Value = { kind: 'str', text: null, enc: ENCS[chunk.encs![j]!]!, offset: chunk.offsets![j]!, length: chunk.lengths![j]! };
        chunk.slots[j] = v;
        return v;
      }
      if (s !== undefined) return s;
    }
    return this.far.size > 0 ? this.far.get(idx) : undefined;
  }

  /** The chunk holding idx, adding the next one when idx falls in it; null for an index far beyond. */
  private chunkFor(idx: number): Chunk | null {
    const chunks = this.chunks;
    if (idx >= 0 && idx < chunks.length * CHUNK) return chunks[idx >>> CHUNK_BITS]!;
    if (idx >= chunks.length * CHUNK && idx < (chunks.length + 1) * CHUNK) {
      const chunk = new Chunk();
      chunks.push(chunk);
      return chunk;
    }
    return null;
  }
}
