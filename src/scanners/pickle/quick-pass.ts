/**
 * A first, cheap reading of a pickle that can only prove one thing: that the full machine would find nothing
 * in it. That is most big pickles: plain data (a list of millions of records) and the pickles whose only
 * calls rebuild allowed objects (a torch checkpoint's data.pkl: OrderedDict, _rebuild_tensor_v2 and storages
 * named by persistent ids).
 *
 * The full machine spends most of its time there building symbolic values nobody will ask about: a value only
 * matters once something unusual uses it. This pass runs the same opcodes with the stack and memo kept as one
 * type tag per item in typed arrays: on the 2-million-dict benchmark ~0.6 s where the full machine takes
 * ~1.2 s; on a checkpoint's 200 KB data.pkl, read once per process, ~25 ms against ~100 ms, because one small
 * loop reaches V8's optimising compiler long before the full machine's many helpers do.
 *
 * It accepts a pickle only when the full machine would reach STOP with nothing to report: every global one the
 * machine's host says may be imported and called without more ado (PassHost: allowed by the policy, no role
 * such as a loader's, no details kept by hooks), every call one of those on an argument tuple, every mutation
 * on a plain container or on what such a call made, every BUILD on the latter, persistent ids not wanted, no
 * error, no frame divergence, no limit reached, and a result it can give exactly. At the first opcode outside its set, or
 * anything else it is unsure of, it gives up (returns null) and the caller runs the full machine from the
 * start. Giving up is always safe; accepting is what test/scanners/pickle-quick-pass.test.ts checks against
 * the full machine, opcode family by family, on every pickle fixture and on random streams. A pickle that
 * turns unusual late costs its usual prefix twice, at most.
 */
import type { VmLimits } from '../../engine/limits.js';
import type { Cursor } from '../../io/cursor.js';
import { HIGHEST_PROTOCOL } from './opcodes.js';
import { noteUse, type GlobalRecord } from './records.js';
import { BOOL, DICT, EMPTY_TUPLE, FLOAT, LIST, NONE, type Value } from './values.js';

/** What the full machine's run would have returned for a pickle the pass accepted. */
export interface QuickRun {
  /** Offset just after STOP. */
  end: number;
  opcodes: number;
  protocol: number;
  /** The value STOP returned. */
  value: Value;
  /** Whether a call was reached, and the offset of the last one (-1: none), as RunResult has them. */
  reachedCall: boolean;
  lastGlobalCall: number;
}

/** What the pass asks of the machine that runs it. */
export interface PassHost {
  /**
   * GLOBAL at `opStart`, its two lines read from the cursor (which is just past the opcode): the global's
   * record when the pass may import and call it as plain data would be, null otherwise (give up). The same
   * global must come back as the same record within a run.
   */
  global(opStart: number, protocol: number): GlobalRecord | null;
}

/**
 * One tag per stack item and memo entry; 0 is never stored: it marks an empty memo entry. A const enum, so that
 * tsc writes the numbers into the loop: V8 does not fold a module's `const` numbers into optimised code, and
 * loading them cost the loop ~10% on the dict benchmark.
 */
const enum Tag {
  Dict = 1,
  List,
  None,
  EmptyTuple,
  Float,
  Bool,
  Int,
  Str,
  Bytes,
  Tuple,
  /** A persistent_load() result: its id is not kept. */
  Persistent,
  /** Global k (a callee of the host's) is tag GlobalBase + 2k; the object a call of it made, GlobalBase + 2k + 1. */
  GlobalBase = 32,
}

/** Globals one run may import: enough for a checkpoint or an estimator; more and the pass gives up. */
const MAX_CALLEES = (256 - Tag.GlobalBase) >> 1;

/** The value STOP returns, for the tags that stand for a shared constant; undefined for the others. */
const RESULT_OF_TAG: readonly (Value | undefined)[] = [undefined, DICT, LIST, NONE, EMPTY_TUPLE, FLOAT, BOOL];

/** The value STOP returns for a tag; undefined where the pass cannot give it exactly (give up). */
function resultOf(tag: number, callees: readonly GlobalRecord[]): Value | undefined {
  if (tag < Tag.GlobalBase) return RESULT_OF_TAG[tag];
  const record = callees[(tag - Tag.GlobalBase) >> 1]!;
  return (tag & 1) === 0 ? { kind: 'global', record } : { kind: 'object', origin: record };
}

/** Whether the tag is an object an allowed call made. */
function made(tag: number): boolean {
  return tag > Tag.GlobalBase && (tag & 1) === 1;
}

/** What a list or dict mutation may act on: the container itself, or an object an allowed call made. */
function mutable(tag: number, container: Tag): boolean {
  return tag === container || made(tag);
}

/** Width of each handled opcode's fixed argument, as loop() in vm.ts reads them from the window. */
const WIDTH = new Uint8Array(256);
for (const [op, width] of [
  [0x4a, 4], [0x4b, 1], [0x4d, 2], [0x47, 8], [0x58, 4], [0x8c, 1], [0x42, 4], [0x43, 1],
  [0x71, 1], [0x72, 4], [0x68, 1], [0x6a, 4], [0x80, 1], [0x95, 8],
] as const) {
  WIDTH[op] = width;
}

/** Memo indices may run this far past the occupied entries before the pass leaves them to the full memo. */
const MEMO_SLACK = 1 << 16;

/** A copy of `a` at least `atLeast` long (doubling). One function per array type keeps each call monomorphic. */
function grownBytes(a: Uint8Array, atLeast: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(capacityFor(a.length, atLeast));
  b.set(a);
  return b;
}
function grownInts(a: Int32Array, atLeast: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(capacityFor(a.length, atLeast));
  b.set(a);
  return b;
}
function capacityFor(length: number, atLeast: number): number {
  let n = length * 2;
  while (n < atLeast) n *= 2;
  return n;
}

/** A little-endian int32 of the window; lengths and indices of 2 GiB and more come out negative. */
function readInt32(buf: Uint8Array, at: number): number {
  return buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24);
}

/**
 * The memo as tags, dense from index 0, counted as memo.ts counts (MEMOIZE stores at the count). An index far
 * past the count, or the count reaching the limit, is left to the full memo (put() answers false).
 */
class TagMemo {
  // At least 256: BINGET's one-byte index needs no bounds check.
  tags = new Uint8Array(1 << 10);
  count = 0;

  constructor(private readonly max: number) {}

  put(idx: number, tag: number): boolean {
    if (idx < 0) return false;
    if (idx >= this.tags.length) {
      if (idx >= this.count * 2 + MEMO_SLACK) return false;
      this.tags = grownBytes(this.tags, idx + 1);
    }
    if (this.tags[idx] === 0) {
      if (this.count >= this.max) return false;
      this.count++;
    }
    this.tags[idx] = tag;
    return true;
  }
}

/**
 * Reads the pickle at `start` (cursor anywhere) as the full machine in vm.ts would, keeping only tags. Returns
 * null when the full machine must read it; the cursor is then somewhere in the pickle and the caller seeks it
 * back. `wantsPersistentIds`: the run must report BINPERSID ids, which the pass does not keep (give up there).
 */
export function quickPass(cur: Cursor, start: number, limits: VmLimits, host: PassHost, wantsPersistentIds: boolean): QuickRun | null {
  const size = cur.size;
  let stack = new Uint8Array(1 << 12);
  let sp = 0;
  let marks = new Int32Array(1 << 8);
  let mp = 0;
  let fence = 0;
  const memo = new TagMemo(limits.maxMemo);
  let protocol = 0;
  let frameEnd = -1;
  let opcodes = 0;
  let reachedCall = false;
  let lastGlobalCall = -1;
  /** The globals imported so far: Tag.GlobalBase + 2k is callees[k]. */
  const callees: GlobalRecord[] = [];
  const calleeIndex = new Map<GlobalRecord, number>();
  // Locals, not loads of module constants or of `limits`, in the loop (see Tag).
  const { maxOpcodes, maxStack, maxMarks } = limits;
  const widths = WIDTH;

  cur.seek(start);
  let buf = cur.buf;
  let end = buf.length;
  let base = cur.bufStart;
  let i = cur.i;
  for (;;) {
    // 8: the widest fixed argument (BINFLOAT, FRAME). After this, it is in the window unless the data ends.
    if (end - i <= 8) {
      cur.i = i;
      cur.ensure(9);
      buf = cur.buf;
      end = buf.length;
      base = cur.bufStart;
      i = cur.i;
    }
    const opStart = base + i;
    if (++opcodes > maxOpcodes || i >= end) return null;
    const op = buf[i]!;
    const arg = i + 1;
    i = arg + widths[op]!;
    if (i > end) return null;
    let tag: number;
    switch (op) {
      case 0x28: // MARK
        if (mp >= maxMarks) return null;
        if (mp === marks.length) marks = grownInts(marks, mp + 1);
        marks[mp++] = sp;
        fence = sp;
        continue;
      case 0x2e: { // STOP
        if (sp <= fence) return null;
        const value = resultOf(stack[sp - 1]!, callees);
        if (value === undefined) return null;
        cur.i = i;
        return { end: base + i, opcodes, protocol, value, reachedCall, lastGlobalCall };
      }
      case 0x4e: // NONE
        tag = Tag.None;
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        tag = Tag.Bool;
        break;
      case 0x4a: // BININT
      case 0x4b: // BININT1
      case 0x4d: // BININT2
        tag = Tag.Int;
        break;
      case 0x47: // BINFLOAT
        tag = Tag.Float;
        break;
      case 0x58: // BINUNICODE
      case 0x8c: // SHORT_BINUNICODE
      case 0x42: // BINBYTES
      case 0x43: { // SHORT_BINBYTES
        const length = op === 0x58 || op === 0x42 ? (buf[arg]! | (buf[arg + 1]! << 8) | (buf[arg + 2]! << 16) | (buf[arg + 3]! << 24)) >>> 0 : buf[arg]!;
        const offset = base + i;
        if (length > size - offset) return null;
        tag = op === 0x58 || op === 0x8c ? Tag.Str : Tag.Bytes;
        i += length;
        if (i > end) {
          cur.seek(offset + length);
          buf = cur.buf;
          end = buf.length;
          base = cur.bufStart;
          i = cur.i;
        }
        break;
      }
      case 0x29: // EMPTY_TUPLE
        tag = Tag.EmptyTuple;
        break;
      case 0x5d: // EMPTY_LIST
        tag = Tag.List;
        break;
      case 0x7d: // EMPTY_DICT
        tag = Tag.Dict;
        break;
      case 0x65: { // APPENDS
        if (mp === 0) return null;
        const mark = marks[--mp]!;
        fence = mp > 0 ? marks[mp - 1]! : 0;
        if (mark > sp || mark <= fence) return null;
        // Onto a list (or an allowed object), or the full machine judges what the call of extend() reaches.
        if (sp > mark && !mutable(stack[mark - 1]!, Tag.List)) return null;
        sp = mark;
        continue;
      }
      case 0x75: { // SETITEMS
        if (mp === 0) return null;
        const mark = marks[--mp]!;
        fence = mp > 0 ? marks[mp - 1]! : 0;
        if (mark > sp || mark <= fence) return null;
        const n = sp - mark;
        if (n > 0 && ((n & 1) !== 0 || !mutable(stack[mark - 1]!, Tag.Dict))) return null;
        sp = mark;
        continue;
      }
      case 0x94: // MEMOIZE
        if (sp <= fence || !memo.put(memo.count, stack[sp - 1]!)) return null;
        continue;
      case 0x68: // BINGET
        tag = memo.tags[buf[arg]!]!;
        if (tag === 0) return null;
        break;
      default:
        // The opcodes a pickle of records uses less, in a switch of their own: in one switch with the
        // others, V8's code for every opcode got ~10% slower on the dict benchmark.
        switch (op) {
          case 0x74: { // TUPLE
            if (mp === 0) return null;
            const mark = marks[--mp]!;
            fence = mp > 0 ? marks[mp - 1]! : 0;
            tag = sp > mark ? Tag.Tuple : Tag.EmptyTuple;
            sp = mark;
            break;
          }
          case 0x85: // TUPLE1
            if (sp - 1 < fence) return null;
            sp -= 1;
            tag = Tag.Tuple;
            break;
          case 0x86: // TUPLE2
            if (sp - 2 < fence) return null;
            sp -= 2;
            tag = Tag.Tuple;
            break;
          case 0x87: // TUPLE3
            if (sp - 3 < fence) return null;
            sp -= 3;
            tag = Tag.Tuple;
            break;
          case 0x61: // APPEND
            if (sp - 1 <= fence || !mutable(stack[sp - 2]!, Tag.List)) return null;
            sp -= 1;
            continue;
          case 0x73: // SETITEM
            if (sp - 2 <= fence || !mutable(stack[sp - 3]!, Tag.Dict)) return null;
            sp -= 2;
            continue;
          case 0x71: // BINPUT
          case 0x72: // LONG_BINPUT
            if (sp <= fence || !memo.put(op === 0x71 ? buf[arg]! : readInt32(buf, arg), stack[sp - 1]!)) return null;
            if (base + i > frameEnd && frameEnd > opStart) return null;
            continue;
          case 0x6a: { // LONG_BINGET
            const idx = readInt32(buf, arg);
            tag = idx >= 0 && idx < memo.tags.length ? memo.tags[idx]! : 0;
            if (tag === 0) return null;
            break;
          }
          case 0x80: // PROTO
            if (buf[arg]! > HIGHEST_PROTOCOL) return null;
            protocol = buf[arg]!;
            if (base + i > frameEnd && frameEnd > opStart) return null;
            continue;
          case 0x95: { // FRAME
            const length = readInt32(buf, arg);
            const from = base + i;
            // Lengths of 2 GiB and more (or negative as int32) are left to the full machine.
            if (length < 0 || readInt32(buf, arg + 4) !== 0 || length > size - from) return null;
            // A frame reaching past the enclosing one is a finding of the full machine's.
            if (frameEnd > opStart && from + length > frameEnd) return null;
            frameEnd = from + length;
            continue;
          }
          case 0x63: { // GLOBAL: the host reads its two lines and says whether the pass may go on
            cur.i = i;
            const record = host.global(opStart, protocol);
            buf = cur.buf;
            end = buf.length;
            base = cur.bufStart;
            i = cur.i;
            if (record === null) return null;
            let k = calleeIndex.get(record);
            if (k === undefined) {
              if (callees.length >= MAX_CALLEES) return null;
              k = callees.push(record) - 1;
              calleeIndex.set(record, k);
            }
            tag = Tag.GlobalBase + 2 * k;
            break;
          }
          case 0x52: { // REDUCE: an allowed global called on a tuple makes an object of it, and nothing else
            if (sp - 2 < fence) return null;
            const args = stack[sp - 1]!;
            const callee = stack[sp - 2]!;
            if ((args !== Tag.Tuple && args !== Tag.EmptyTuple) || callee < Tag.GlobalBase || (callee & 1) !== 0) return null;
            noteUse(callees[(callee - Tag.GlobalBase) >> 1]!, 'called', opStart);
            reachedCall = true;
            lastGlobalCall = opStart;
            sp -= 2;
            tag = callee + 1;
            break;
          }
          case 0x62: // BUILD: on an object an allowed call made, setting its state is nothing the analysis models
            if (sp - 2 < fence) return null;
            if (!made(stack[sp - 2]!)) return null;
            sp -= 1;
            continue;
          case 0x51: // BINPERSID
            if (wantsPersistentIds || sp - 1 < fence) return null;
            sp -= 1;
            tag = Tag.Persistent;
            break;
          default:
            return null;
        }
    }
    if (sp >= maxStack) return null;
    if (sp === stack.length) stack = grownBytes(stack, sp + 1);
    stack[sp++] = tag;
    if (base + i > frameEnd && frameEnd > opStart) return null;
  }
}
