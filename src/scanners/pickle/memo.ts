/**
 * The unpickler's memo, as CPython keeps it: index → object, and memo_len (the number of occupied entries),
 * which is where MEMOIZE stores next. Dense while indices grow in order (MEMOIZE, BINPUT n, n+1…), with a
 * map for far-away indices (LONG_BINPUT 4000000000 must not allocate four billion slots).
 * A plain array measured faster than typed-array encodings of the entries on pickles of millions of objects.
 */
import type { Value } from './values.js';

/** How far past the dense end an index may land and still be stored densely. */
const DENSE_SLACK = 4096;

export class Memo {
  private readonly slots: (Value | undefined)[] = [];

  private readonly far = new Map<number, Value>();
  private count = 0;

  constructor(private max: number) {}

  /** Empties the memo for a new run, keeping its storage. */
  reset(max: number): void {
    this.max = max;
    this.slots.length = 0;
    if (this.far.size > 0) this.far.clear();
    this.count = 0;
  }

  /** memo_len: the number of occupied entries. */
  get size(): number {
    return this.count;
  }

  /** Stores v at idx; false when that would grow the memo past its limit (nothing is stored then). */
  set(idx: number, v: Value): boolean {
    const slots = this.slots;
    if (idx === slots.length && this.far.size === 0) {
      if (this.count >= this.max) return false;
      this.count++;
      slots.push(v);
      return true;
    }
    const inFar = this.far.size > 0 && this.far.has(idx);
    if (slots[idx] === undefined && !inFar) {
      if (this.count >= this.max) return false;
      this.count++;
    }
    if (idx > slots.length + DENSE_SLACK) {
      this.far.set(idx, v);
      return true;
    }
    if (inFar) this.far.delete(idx);
    while (slots.length < idx) slots.push(undefined);
    slots[idx] = v;
    return true;
  }

  get(idx: number): Value | undefined {
    return this.slots[idx] ?? (this.far.size > 0 ? this.far.get(idx) : undefined);
  }
}
