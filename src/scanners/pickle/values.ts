/**
 * Symbolic values on the VM's stack and memo. They carry only what the analysis needs: constant strings
 * (for module and name operands), where byte payloads live (for nested pickles), and which global a callable
 * or object came from. Containers do not keep their items (a pickle of two million dicts must not cost two
 * million JS objects), except tuples, whose items are call arguments.
 */
import type { GlobalRecord } from './records.js';

/** Bytes of a payload inside the analysed source, or decoded text that must be re-encoded to get them. */
export type Span =
  | { readonly enc: 'raw'; readonly offset: number; readonly length: number }
  | { readonly enc: 'utf8'; readonly offset: number; readonly length: number }
  | { readonly enc: 'string-escape'; readonly offset: number; readonly length: number }
  | { readonly enc: 'raw-unicode-escape'; readonly offset: number; readonly length: number };

export type Value =
  /** A str: where its bytes are and how they decode; `text` only for text opcodes decoded while parsing. */
  | { readonly kind: 'str'; readonly text: string | null; readonly enc: Span['enc']; readonly offset: number; readonly length: number }
  | { readonly kind: 'bytes'; readonly span: Span | null; readonly data: Buffer | null }
  | { readonly kind: 'tuple'; readonly items: readonly Value[]; readonly truncated: boolean }
  | { readonly kind: 'global'; readonly record: GlobalRecord }
  | { readonly kind: 'object'; readonly origin: GlobalRecord | null }
  /**
   * An object whose construction the analysis needs (VmHooks.keepsDetails: numpy dtypes and joblib array
   * wrappers): its call arguments and, once BUILD ran, its state.
   */
  | DetailedObject
  /** A functools.partial: BUILD (partial.__setstate__) rebinds what it calls, so the two fields can change. */
  | PartialValue
  | { readonly kind: 'scalar'; readonly type: 'float' | 'bool' | 'none' }
  /** `value` is kept for ints that fit a double exactly (array shapes, dtype sizes); absent otherwise. */
  | { readonly kind: 'scalar'; readonly type: 'int'; readonly value?: number }
  | { readonly kind: 'container'; readonly type: 'list' | 'dict' | 'set' | 'frozenset' | 'bytearray' }
  /** A dict being filled as the state of a DetailedObject: its str keys and values are kept (bounded). */
  | { readonly kind: 'container'; readonly type: 'dict'; readonly items: Map<string, Value> }
  /** A persistent_load() result; `pid` is the id it was asked for (BINPERSID), when known. */
  | { readonly kind: 'opaque'; readonly what: 'persistent' | 'buffer'; readonly pid?: Value };

export interface PartialValue {
  readonly kind: 'partial';
  target: Value;
  args: readonly Value[];
}

export interface DetailedObject {
  readonly kind: 'object';
  readonly origin: GlobalRecord;
  readonly args: readonly Value[];
  state?: Value;
}

export const NONE: Value = Object.freeze({ kind: 'scalar', type: 'none' });
export const INT: Value = Object.freeze({ kind: 'scalar', type: 'int' });

/** Ints 0-255 (BININT1) are shared: most ints in a pickle are small and must not cost an allocation each. */
const SMALL_INTS: readonly Value[] = Array.from({ length: 256 }, (_, i) => Object.freeze({ kind: 'scalar', type: 'int', value: i }) as Value);

/** intValue for a number known to be a 32-bit integer (BININT, BININT1, BININT2): the VM's hot path. */
export function int32Value(n: number): Value {
  return n >= 0 && n < 256 ? SMALL_INTS[n]! : { kind: 'scalar', type: 'int', value: n };
}

export function intValue(n: number): Value {
  if (n >= 0 && n < 256 && Number.isInteger(n)) return SMALL_INTS[n]!;
  return Number.isSafeInteger(n) ? { kind: 'scalar', type: 'int', value: n } : INT;
}
export const FLOAT: Value = Object.freeze({ kind: 'scalar', type: 'float' });
export const BOOL: Value = Object.freeze({ kind: 'scalar', type: 'bool' });
export const LIST: Value = Object.freeze({ kind: 'container', type: 'list' });
export const DICT: Value = Object.freeze({ kind: 'container', type: 'dict' });
export const SET: Value = Object.freeze({ kind: 'container', type: 'set' });
export const FROZENSET: Value = Object.freeze({ kind: 'container', type: 'frozenset' });
export const PERSISTENT: Value = Object.freeze({ kind: 'opaque', what: 'persistent' });
export const BUFFER: Value = Object.freeze({ kind: 'opaque', what: 'buffer' });
export const EMPTY_TUPLE: Value = Object.freeze({ kind: 'tuple', items: Object.freeze([]), truncated: false });

/**
 * copyreg.__newobj__(cls, *args) and __newobj_ex__(cls, args, kwargs), which protocol 2+ reductions write: they
 * are cls.__new__(cls, …), as NEWOBJ and NEWOBJ_EX are. By name within copyreg: the arguments `__new__` gets.
 */
export const COPYREG_NEWOBJ: ReadonlyMap<string, (args: readonly Value[]) => readonly Value[]> = new Map([
  ['__newobj__', (a: readonly Value[]) => a.slice(1)],
  ['__newobj_ex__', (a: readonly Value[]) => (a[1]?.kind === 'tuple' ? a[1].items : [])],
]);

/** Tuples longer than this keep only their first items: enough for any call signature we inspect. */
export const TUPLE_KEEP = 16;

export function tupleOf(items: Value[]): Value {
  if (items.length === 0) return EMPTY_TUPLE;
  if (items.length <= TUPLE_KEEP) return { kind: 'tuple', items, truncated: false };
  return { kind: 'tuple', items: items.slice(0, TUPLE_KEEP), truncated: true };
}

export function describeValue(v: Value): string {
  switch (v.kind) {
    case 'str':
      return v.text !== null ? `str ${JSON.stringify(v.text.length > 40 ? v.text.slice(0, 40) + '…' : v.text)}` : `str of ${v.length} bytes`;
    case 'bytes':
      return 'bytes';
    case 'tuple':
      return `tuple of ${v.items.length}${v.truncated ? '+' : ''}`;
    case 'global':
      return `global ${v.record.module}.${v.record.name}`;
    case 'object':
      return v.origin ? `result of ${v.origin.module}.${v.origin.name}(…)` : 'computed object';
    case 'partial':
      return 'functools.partial object';
    case 'scalar':
      return v.type;
    case 'container':
      return v.type;
    case 'opaque':
      return v.what === 'persistent' ? 'persistent-load result' : 'out-of-band buffer';
  }
}
