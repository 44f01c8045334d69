/**
 * The unpickler's stack, kept as parallel arrays rather than an array of Value objects.
 *
 * Why: a pickle of millions of records pushes millions of ints and strings that the next SETITEMS or APPENDS
 * drops unread. One object per push, stored into a long-lived array, made allocation and V8's write barrier
 * (an old array pointing at a new object) the largest cost of the dispatch loop. Here an int, or a str or
 * bytes located in the source, is a tag and numbers in typed arrays. It becomes a Value only when something
 * reads it, and then stays that Value: two reads of one item give the same object.
 */
import { type Span, type Value } from './values.js';

/** Tags: an item is a Value in `objects`, or one of the forms whose numbers are in `numbers` / `lengths`. */
const OBJECT = 0;
/** An int that fits a double exactly: numbers[k] is its value. */
const INT = 1;
/** A str located in the source, UTF-8 (BINUNICODE…): numbers[k] is its offset, lengths[k] its length. */
const STR_UTF8 = 2;
/** Bytes located in the source (BINBYTES…): numbers[k] is the offset, lengths[k] the length. */
const BYTES_RAW = 3;

const INITIAL_CAPACITY = 256;

export class ValueStack {
  /** Number of items; items at and beyond it are stale (their objects are not cleared: see truncate()). */
  length = 0;
  private tags = new Uint8Array(INITIAL_CAPACITY);
  private numbers = new Float64Array(INITIAL_CAPACITY);
  private lengths = new Uint32Array(INITIAL_CAPACITY);
  private objects: (Value | undefined)[] = new Array<Value | undefined>(INITIAL_CAPACITY).fill(undefined);

  push(v: Value): void {
    const k = this.slot();
    this.tags[k] = OBJECT;
    this.objects[k] = v;
  }

  /** An int (callers pass shared values for the small ones; see int32Value). */
  pushInt(n: number): void {
    const k = this.slot();
    this.tags[k] = INT;
    this.numbers[k] = n;
  }

  /** A UTF-8 str whose `length` bytes are at `offset` of the source, not decoded. */
  pushUtf8(offset: number, length: number): void {
    const k = this.slot();
    this.tags[k] = STR_UTF8;
    this.numbers[k] = offset;
    this.lengths[k] = length;
  }

  /** Bytes at `offset` of the source, not read. */
  pushBytes(offset: number, length: number): void {
    const k = this.slot();
    this.tags[k] = BYTES_RAW;
    this.numbers[k] = offset;
    this.lengths[k] = length;
  }

  /** The item at index k (0 is the bottom); undefined outside the stack. */
  at(k: number): Value | undefined {
    if (k < 0 || k >= this.length) return undefined;
    const tag = this.tags[k]!;
    if (tag === OBJECT) return this.objects[k];
    const v = this.materialise(tag, k);
    this.tags[k] = OBJECT;
    this.objects[k] = v;
    return v;
  }

  /** Whether the item at k is a located UTF-8 str, which utf8Offset / utf8Length read without making a Value. */
  isUtf8(k: number): boolean {
    return this.tags[k] === STR_UTF8;
  }

  utf8Offset(k: number): number {
    return this.numbers[k]!;
  }

  utf8Length(k: number): number {
    return this.lengths[k]!;
  }

  /** Removes and returns the top item; the caller checks that there is one. */
  pop(): Value {
    const v = this.at(this.length - 1)!;
    this.length--;
    return v;
  }

  /**
   * Drops every item from index n up (nothing when n is not below the length). Their objects stay referenced
   * until overwritten: clearing them would cost a store per dropped item, and the stack's capacity bounds them.
   */
  truncate(n: number): void {
    if (n >= 0 && n < this.length) this.length = n;
  }

  /** The items from index `from` up, as Values (the stack is unchanged). */
  slice(from: number): Value[] {
    const items: Value[] = [];
    for (let k = Math.max(0, from); k < this.length; k++) items.push(this.at(k)!);
    return items;
  }

  /** Index of the next push, growing the arrays when they are full. */
  private slot(): number {
    const k = this.length;
    if (k === this.tags.length) this.grow();
    this.length = k + 1;
    return k;
  }

  private grow(): void {
    const capacity = this.tags.length * 2;
    const tags = new Uint8Array(capacity);
    tags.set(this.tags);
    const numbers = new Float64Array(capacity);
    numbers.set(this.numbers);
    const lengths = new Uint32Array(capacity);
    lengths.set(this.lengths);
    this.tags = tags;
    this.numbers = numbers;
    this.lengths = lengths;
    const objects = this.objects;
    for (let k = objects.length; k < capacity; k++) objects.push(undefined);
  }

  private materialise(tag: number, k: number): Value {
    const n = this.numbers[k]!;
    if (tag === INT) return { kind: 'scalar', type: 'int', value: n };
    const length = this.lengths[k]!;
    if (tag === STR_UTF8) return { kind: 'str', text: null, enc: 'utf8', offset: n, length };
    const span: Span = { enc: 'raw', offset: n, length };
    return { kind: 'bytes', span, data: null };
  }
}
