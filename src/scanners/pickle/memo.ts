/**
 * The unpickler's memo, as CPython keeps it (index → object; memo_len counts occupied entries, which is where
 * MEMOIZE stores next), stored compactly. Pickles memoise nearly every string they write: keeping a JS object
 * alive per memoised string is what made a pickle of millions of small dicts slow and large. Strings located
 * in the source are kept as three typed-array entries instead and turned back into values when fetched.
 */
import type { Span } from './values.js';
import type { Value } from './values.js';

const STR = Symbol('memoised str span');
const ENCS: readonly Span['enc'][] = ['raw', 'utf8', 'string-escape', 'raw-unicode-escape'];
function encIndex(e: Span['enc']): number {
  return e === 'utf8' ? 1 : e === 'raw' ? 0 : e === 'string-escape' ? 2 : 3;
}

/** How far past the dense end an index may land and still be stored densely. */
const DENSE_SLACK = 4096;

export class Memo {
  private slots: (Value | typeof STR | undefined)[] = [];
  private offsets = new Float64Array(256);
  private lengths = new Float64Array(256);
  private encs = new Uint8Array(256);
  /** Indices far beyond the dense range (LONG_BINPUT 4000000000). */
  private readonly far = new Map<number, Value>();
  private count = 0;

  constructor(private readonly max: number) {}

  /** memo_len: the number of occupied entries. */
  get size(): number {
    return this.count;
  }

  /** Stores v at idx; false when that would grow the memo past its limit (nothing is stored then). */
  set(idx: number, v: Value): boolean {
    const dense = idx <= this.slots.length + DENSE_SLACK;
    if (this.slots[idx] === undefined && !(this.far.size > 0 && this.far.has(idx))) {
      if (this.count >= this.max) return false;
      this.count++;
    }
    if (!dense) {
      this.far.set(idx, v);
      return true;
    }
    if (this.far.size > 0) this.far.delete(idx);
    while (this.slots.length < idx) this.slots.push(undefined);
    if (v.kind === 'str' && v.text === null) {
      this.ensure(idx);
      this.offsets[idx] = v.offset;
      this.lengths[idx] = v.length;
      this.encs[idx] = encIndex(v.enc);
      this.slots[idx] = STR;
    } else {
      this.slots[idx] = v;
    }
    return true;
  }

  get(idx: number): Value | undefined {
    const s = this.slots[idx];
    if (s === STR) return { kind: 'str', text: null, enc: ENCS[this.encs[idx]!]!, offset: this.offsets[idx]!, length: this.lengths[idx]! };
    if (s !== undefined) return s;
    return this.far.size > 0 ? this.far.get(idx) : undefined;
  }

  private ensure(idx: number): void {
    if (idx < this.offsets.length) return;
    let cap = this.offsets.length;
    while (cap <= idx) cap *= 2;
    const grow = <T extends Float64Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.offsets = grow(this.offsets, (n) => new Float64Array(n));
    this.lengths = grow(this.lengths, (n) => new Float64Array(n));
    this.encs = grow(this.encs, (n) => new Uint8Array(n));
  }
}
