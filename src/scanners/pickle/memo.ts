/**
 * The unpickler's memo, as CPython keeps it: index → object, and memo_len (the number of occupied entries),
 * which is where MEMOIZE stores next. Dense while indices grow in order (MEMOIZE, BINPUT n, n+1…), with a
 * map for far-away indices (LONG_BINPUT 4000000000 must not allocate four billion slots).
 *
 * Pickles memoise nearly every object they write, so a pickle of two million small dicts fills four million
 * entries; the layout here is chosen for that, and every byte per entry counts (on this kind of VM each
 * fresh page of memory costs a fault of several microseconds):
 * - Dense entries live in fixed-size chunks, never in one array grown by push: growing a multi-million-slot
 *   array re-allocates and copies it in V8's large-object space.
 * - Each entry is a tag byte first. The shared constants of values.ts (an empty dict, None, a float…) are
 *   the tag alone; a string located in the source is the tag plus its offset and length in typed arrays (a
 *   JS object alive per memoised string made the garbage collector the largest cost). Other values take a
 *   slot in an array of objects that a chunk makes when it first needs one. On the 2-million-dict
 *   benchmark this took peak RSS from ~190 to ~137 MB (from ~380 MB with one object per entry).
 * - A string fetched once is kept as the value it became: dict keys are written once and fetched per record.
 */
import { BOOL, BUFFER, DICT, EMPTY_TUPLE, FLOAT, FROZENSET, INT, LIST, NONE, PERSISTENT, SET, type Span, type Value } from './values.js';

const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;

/** Tags: 0 an empty entry; 1..SHARED.length-1 a shared constant; OBJECT a value in `objects`; STR+enc a located string. */
const SHARED: readonly (Value | undefined)[] = [undefined, DICT, LIST, NONE, EMPTY_TUPLE, INT, FLOAT, BOOL, SET, FROZENSET, PERSISTENT, BUFFER];
const OBJECT = 32;
const STR = 64;
const ENCS: readonly Span['enc'][] = ['raw', 'utf8', 'string-escape', 'raw-unicode-escape'];

function sharedTag(v: Value): number {
  // Most frequent first; only scalars, containers and opaque values can be one of the others.
  if (v === DICT) return 1;
  if (v === LIST) return 2;
  if (v === NONE) return 3;
  if (v === EMPTY_TUPLE) return 4;
  if (v.kind !== 'scalar' && v.kind !== 'container' && v.kind !== 'opaque') return 0;
  for (let t = 5; t < SHARED.length; t++) if (SHARED[t] === v) return t;
  return 0;
}

function strTag(e: Span['enc']): number {
  return STR + (e === 'utf8' ? 1 : e === 'raw' ? 0 : e === 'string-escape' ? 2 : 3);
}

/** CHUNK consecutive entries: a tag each, and the arrays behind the tags once an entry of the chunk needs them. */
class Chunk {
  readonly tags = new Uint8Array(CHUNK);
  offsets: Float64Array | null = null;
  lengths: Uint32Array | null = null;
  objects: (Value | undefined)[] | null = null;

  storeObject(j: number, v: Value): void {
    this.objects ??= new Array<Value | undefined>(CHUNK).fill(undefined);
    this.objects[j] = v;
    this.tags[j] = OBJECT;
  }

  storeSpan(j: number, v: Value & { kind: 'str' }): void {
    this.offsets ??= new Float64Array(CHUNK);
    this.lengths ??= new Uint32Array(CHUNK);
    this.offsets[j] = v.offset;
    this.lengths[j] = v.length;
    this.tags[j] = strTag(v.enc);
  }
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
    if (chunk.tags[j] === 0 && !(this.far.size > 0 && this.far.delete(idx))) {
      if (this.count >= this.max) return false;
      this.count++;
    }
    const shared = sharedTag(v);
    if (shared !== 0) chunk.tags[j] = shared;
    else if (v.kind === 'str' && v.text === null && v.length <= 0xffffffff) chunk.storeSpan(j, v);
    else chunk.storeObject(j, v);
    return true;
  }

  get(idx: number): Value | undefined {
    if (idx >= 0 && idx < this.chunks.length * CHUNK) {
      const chunk = this.chunks[idx >>> CHUNK_BITS]!;
      const j = idx & IN_CHUNK;
      const tag = chunk.tags[j]!;
      if (tag === OBJECT) return chunk.objects![j];
      if (tag >= STR) {
        const v: Value = { kind: 'str', text: null, enc: ENCS[tag - STR]!, offset: chunk.offsets![j]!, length: chunk.lengths![j]! };
        chunk.storeObject(j, v);
        return v;
      }
      if (tag !== 0) return SHARED[tag];
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
