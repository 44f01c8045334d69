/**
 * The quick pass (src/scanners/pickle/quick-pass.ts) may accept a pickle only where the full machine would
 * reach STOP with nothing to report, with the same result in every field. Every run here is made twice, by a
 * machine that tries the pass first and by one that does not, and the two results must be equal: where the
 * pass accepted (checked in every field), and where it gave up and the machine read the pickle from the start.
 * Cases the pass must leave to the full machine are checked to be left.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_LIMITS, DEFAULT_VM_LIMITS, type VmLimits } from '../../src/engine/limits.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { joblibHooks } from '../../src/scanners/joblib/arrays.js';
import { readDirectories, readLocalHeader } from '../../src/containers/zip/reader.js';
import { makeVmPolicy } from '../../src/scanners/pickle/index.js';
import { analyseStream } from '../../src/scanners/pickle/stream.js';
import { Machine, type RunResult } from '../../src/scanners/pickle/vm.js';
import { mulberry32 } from '../helpers/codec-run.js';
import { asm, op, type Part } from '../helpers/pickle-asm.js';

const POLICY = makeVmPolicy({});
/** As the pickle scanner reads: with joblib's hooks (which keep numpy dtypes and array wrappers). */
const HOOKS = joblibHooks;

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const ops = {
  binint: (n: number) => Buffer.concat([Buffer.from([0x4a]), u32(n >>> 0)]),
  binint2: (n: number) => Buffer.from([0x4d, n & 0xff, n >> 8]),
  binfloat: Buffer.from([0x47, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]),
  longBinput: (n: number) => Buffer.concat([Buffer.from([0x72]), u32(n)]),
  longBinget: (n: number) => Buffer.concat([Buffer.from([0x6a]), u32(n)]),
  NEWFALSE: [0x89],
  REDUCE: 'R',
  BINPERSID: [0x51],
};

/**
 * Reads `bytes` with the pass tried first and without it: the results must be equal. Returns whether the pass
 * accepted, and the full run.
 */
function compare(bytes: Buffer, limits: VmLimits = DEFAULT_VM_LIMITS, window?: number, persistentIds = false): { accepted: boolean; full: RunResult } {
  const src = new BufferSource(bytes);
  const quick = new Machine(src, POLICY, window, HOOKS, 0, 0).run(0, limits, persistentIds);
  const full = new Machine(src, POLICY, window, HOOKS).run(0, limits, persistentIds);
  const where = bytes.toString('hex').slice(0, 400);
  expect(full.quickPass, where).toBe(false);
  expect({ ...quick, quickPass: false }, where).toEqual(full);
  if (quick.quickPass) {
    // An acceptance is a clean run: nothing the full machine would have reported.
    expect(full.stopped && full.error === null && full.softErrors.length === 0 && full.records.length === 0, where).toBe(true);
    expect(full.structural.length + full.nested.length + full.skippedAt.length + full.persistentIds.length, where).toBe(0);
    // Shared constants come back as themselves, not equal copies: callers compare them by identity.
    if (quick.value?.kind === 'container' || quick.value?.kind === 'scalar') expect(quick.value, where).toBe(full.value);
  }
  return { accepted: quick.quickPass, full };
}

const accepts = (...parts: Part[]) => compare(asm(...parts)).accepted;

describe('the quick pass accepts data, as the full machine reads it', () => {
  it('every opcode family it handles, in pickles of lists, dicts and tuples', () => {
    const cases: Part[][] = [
      [op.proto(2), op.EMPTY_LIST, op.STOP],
      [op.proto(4), op.EMPTY_DICT, op.MEMOIZE, op.MARK, op.sbu('a'), op.MEMOIZE, op.binint1(1), op.sbu('b'), op.bu('text'), op.SETITEMS, op.STOP],
      [op.proto(4), op.EMPTY_DICT, op.sbu('k'), ops.binint(-5), op.SETITEM, op.sbu('f'), ops.binfloat, op.SETITEM, op.STOP],
      [op.proto(3), op.EMPTY_LIST, op.binput(0), op.MARK, op.NONE, op.NEWTRUE, ops.NEWFALSE, ops.binint2(300), op.shortBinbytes(Buffer.from('xy')), op.binbytes(Buffer.alloc(300)), op.APPENDS, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_TUPLE, op.APPEND, op.binint1(1), op.TUPLE1, op.APPEND, op.binint1(1), op.binint1(2), op.TUPLE2, op.APPEND, op.binint1(1), op.NONE, op.NONE, op.TUPLE3, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.MARK, op.binint1(1), op.binint1(2), op.binint1(3), op.binint1(4), op.TUPLE, op.APPEND, op.MARK, op.TUPLE, op.APPEND, op.STOP],
      // Memo: BINPUT / LONG_BINPUT / MEMOIZE and both GETs, a key written once and fetched per record.
      [op.proto(4), op.EMPTY_LIST, op.MEMOIZE, op.MARK, op.EMPTY_DICT, op.MEMOIZE, op.sbu('id'), op.MEMOIZE, op.binint1(0), op.SETITEM, op.EMPTY_DICT, op.MEMOIZE, op.binget(2), op.binint1(1), op.SETITEM, op.EMPTY_DICT, ops.longBinput(60_000), ops.longBinget(2), ops.longBinget(60_000), op.SETITEM, op.APPENDS, op.STOP],
      // An empty APPENDS or SETITEMS is not checked against its target, as in CPython.
      [op.proto(2), op.NONE, op.MARK, op.APPENDS, op.MARK, op.SETITEMS, op.STOP],
      // Frames that end exactly where an opcode ends, one after another.
      [op.proto(4), op.frame(3), op.EMPTY_LIST, op.binint1(7), op.APPEND, op.frame(1), op.STOP],
      // A tuple of nothing is the shared empty tuple, whichever opcode makes it.
      [op.proto(2), op.MARK, op.TUPLE, op.STOP],
      [op.proto(2), op.EMPTY_TUPLE, op.STOP],
    ];
    for (const parts of cases) expect(accepts(...parts), asm(...parts).toString('hex')).toBe(true);
  });

  it('a payload longer than the window and one ending exactly at its edge', () => {
    const long = asm(op.proto(3), op.EMPTY_LIST, op.binbytes(Buffer.alloc(5000, 0x61)), op.APPEND, op.bu('z'.repeat(70)), op.APPEND, op.STOP);
    for (const window of [1, 9, 16, 64, 4096, 5009, 5010, undefined]) expect(compare(long, DEFAULT_VM_LIMITS, window).accepted, `window ${window}`).toBe(true);
  });
});

/** A tensor of torch's data.pkl: _rebuild_tensor_v2(persistent storage, offset, size, stride, requires_grad, hooks). */
const tensor = (key: string): Part[] => [
  op.global('torch._utils', '_rebuild_tensor_v2'), op.MARK,
  op.MARK, op.sbu('storage'), op.global('torch', 'FloatStorage'), op.sbu(key), op.sbu('cpu'), op.binint1(4), op.TUPLE, ops.BINPERSID,
  op.binint1(0), op.binint1(4), op.TUPLE1, op.binint1(1), op.TUPLE1, ops.NEWFALSE,
  op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, ops.REDUCE, op.TUPLE, ops.REDUCE,
];

describe('the quick pass accepts calls of allowed globals, as the full machine reads them', () => {
  it('a state dict as torch.save writes it, imports alone, renamed builtins, objects mutated and kept in the memo', () => {
    const cases: Part[][] = [
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP],
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.binput(0), op.MARK, op.sbu('a.weight'), ...tensor('0'), op.sbu('b.weight'), ...tensor('1'), op.SETITEMS, op.STOP],
      [op.proto(2), op.global('collections', 'OrderedDict'), op.STOP],
      // protocol 2 names builtins __builtin__; the same global imported twice is one record
      [op.proto(2), op.EMPTY_LIST, op.global('__builtin__', 'set'), op.EMPTY_TUPLE, op.REDUCE, op.APPEND, op.global('builtins', 'set'), op.EMPTY_TUPLE, op.REDUCE, op.APPEND, op.STOP],
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.binput(1), op.sbu('k'), op.NONE, op.SETITEM, op.binget(1), op.STOP],
      [op.proto(4), op.EMPTY_LIST, op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.NONE, op.APPEND, op.APPEND, op.STOP],
      // model.state_dict(): an OrderedDict whose _metadata is set by BUILD after its items
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.MARK, op.sbu('w'), ...tensor('0'), op.SETITEMS, op.EMPTY_DICT, op.sbu('_metadata'), op.EMPTY_DICT, op.SETITEM, op.BUILD, op.STOP],
    ];
    for (const parts of cases) expect(accepts(...parts), asm(...parts).toString('hex')).toBe(true);
  });

  it('the globals a run may import: up to 112 distinct ones', () => {
    const imports = (n: number) => asm(op.proto(2), op.EMPTY_LIST, ...Array.from({ length: n }, (_, k) => asm(op.global('collections', 'OrderedDict'), op.APPEND, op.global('builtins', k % 2 ? 'set' : 'frozenset'), op.APPEND)), op.STOP);
    expect(accepts(imports(3))).toBe(true);
    const many = (n: number) => asm(op.proto(4), op.EMPTY_LIST, ...Array.from({ length: n }, (_, k) => asm(op.global('sklearn.tree._classes', `C${k}`), op.APPEND)), op.STOP);
    // The bound, with a policy that allows every name.
    const allowAll = { classify: () => ({ verdict: 'safe' as const }), callRole: POLICY.callRole };
    for (const [n, ok] of [[112, true], [113, false]] as const) {
      const src = new BufferSource(many(n));
      const quick = new Machine(src, allowAll, undefined, undefined, 0, 0).run(0, DEFAULT_VM_LIMITS);
      const full = new Machine(src, allowAll).run(0, DEFAULT_VM_LIMITS);
      expect(quick.quickPass, String(n)).toBe(ok);
      expect({ ...quick, quickPass: false }).toEqual(full);
    }
    // A module name CPython cannot import is an error whatever the policy says of it.
    const src = new BufferSource(asm(op.proto(2), op.global('1st', 'x'), op.STOP));
    const quick = new Machine(src, allowAll, undefined, undefined, 0, 0).run(0, DEFAULT_VM_LIMITS);
    expect(quick.quickPass).toBe(false);
    expect(quick.error?.message).toMatch(/No module named/);
  });
});

describe('the quick pass leaves to the full machine', () => {
  it('globals that are findings or more than a plain constructor, calls and BUILDs it cannot judge, persistent ids wanted', () => {
    const cases: Part[][] = [
      [op.proto(2), op.global('posix', 'system'), op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.global('posix', 'system'), op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.global('mymodule', 'Thing'), op.APPEND, op.STOP],
      [op.proto(2), op.global('builtins', 'getattr'), op.STOP],
      [op.proto(2), op.global('functools', 'partial'), op.STOP],
      [op.proto(2), op.global('torch.storage', '_load_from_bytes'), op.STOP],
      [op.proto(2), op.global('_codecs', 'encode'), op.STOP],
      [op.proto(2), op.global('numpy', 'dtype'), op.STOP], // joblib's hooks keep dtypes' details
      [op.proto(2), op.global('copyreg', '_reconstructor'), op.STOP],
      [op.proto(2), op.global('1st', 'x'), op.STOP], // not a module name
      [op.proto(2), op.global('collections', 'OrderedDict'), op.NONE, op.REDUCE, op.STOP], // arguments not a tuple
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.EMPTY_TUPLE, op.REDUCE, op.STOP], // calling an object
      [op.proto(2), op.sbu('x'), op.EMPTY_TUPLE, op.REDUCE, op.STOP],
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_DICT, op.BUILD, op.STOP], // BUILD on the import
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_DICT, op.BUILD, op.STOP], // BUILD on a container
      [op.proto(2), op.global('collections', 'OrderedDict'), op.sbu('k'), op.NONE, op.SETITEM, op.STOP], // mutating the import
      [op.proto(2), op.NONE, ops.BINPERSID, op.STOP], // a persistent result (its id is not kept)
      [op.proto(2), op.NONE, ops.BINPERSID, op.sbu('k'), op.NONE, op.SETITEM, op.STOP],
      [op.proto(4), op.EMPTY_LIST, op.sbu('os'), op.sbu('system'), op.STACK_GLOBAL, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_DICT, op.EMPTY_DICT, op.BUILD, op.STOP],
      [op.proto(2), op.ext1(1), op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.DUP, op.POP, op.STOP],
      [op.proto(4), op.EMPTY_SET, op.STOP],
      [op.proto(2), op.sbu('a string result'), op.STOP],
      [op.proto(2), op.binint1(1), op.TUPLE1, op.STOP],
      [op.proto(2), op.binint1(1), op.STOP],
      // Containers used as another type: the full machine judges what such a mutation reaches.
      [op.proto(2), op.EMPTY_DICT, op.NONE, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.MARK, op.NONE, op.NONE, op.SETITEMS, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.NONE, op.NONE, op.SETITEM, op.STOP],
      [op.proto(2), op.sbu('s'), op.MARK, op.NONE, op.APPENDS, op.STOP],
    ];
    for (const parts of cases) expect(accepts(...parts), asm(...parts).toString('hex')).toBe(false);
    // A state dict's persistent ids, when the run must report them (torch's legacy layout), are left too.
    const stateDict = asm(op.proto(2), op.EMPTY_DICT, op.sbu('w'), ...tensor('0'), op.SETITEM, op.STOP);
    expect(compare(stateDict).accepted).toBe(true);
    expect(compare(stateDict, DEFAULT_VM_LIMITS, undefined, true).accepted).toBe(false);
  });

  it('everything the full machine reports as an error, a finding or a soft error', () => {
    const broken: Part[][] = [
      [op.proto(2), op.STOP], // underflow at STOP
      [op.proto(2), op.EMPTY_LIST, op.APPEND, op.STOP], // underflow
      [op.proto(2), op.EMPTY_LIST, op.APPENDS, op.STOP], // no MARK
      [op.proto(2), op.EMPTY_DICT, op.MARK, op.NONE, op.SETITEMS, op.STOP], // odd number of items
      [op.proto(2), op.MARK, op.TUPLE1, op.STOP], // popping below the mark
      [op.proto(2), op.NONE, op.MARK, op.NONE, op.TUPLE2, op.STOP],
      [op.proto(2), op.NONE, op.NONE, op.MARK, op.NONE, op.NONE, op.TUPLE3, op.STOP],
      [op.proto(2), op.NONE, op.TUPLE2, op.STOP], // below the bottom of the stack
      // Popping one item below the mark, then going on to a clean STOP: only the pop itself is wrong.
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.MARK, op.TUPLE1, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.MARK, op.NONE, op.TUPLE2, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.NONE, op.MARK, op.NONE, op.NONE, op.TUPLE3, op.APPENDS, op.APPEND, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.MARK, op.NONE, op.APPEND, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_DICT, op.MARK, op.NONE, op.NONE, op.SETITEM, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.MARK, op.MARK, op.APPENDS, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_DICT, op.MARK, op.MARK, op.SETITEMS, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_LIST, op.MARK, op.MEMOIZE, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.MARK, op.STOP],
      // Mutating a str or an int fails in CPython (a soft error here), inside a list that STOP returns.
      [op.proto(2), op.EMPTY_LIST, op.sbu('s'), op.MARK, op.NONE, op.APPENDS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.binint1(1), op.MARK, op.NONE, op.NONE, op.SETITEMS, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.EMPTY_TUPLE, op.NONE, op.APPEND, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_LIST, op.bu('s'), op.NONE, op.NONE, op.SETITEM, op.APPEND, op.STOP],
      [op.proto(2), op.binget(3), op.STOP], // empty memo entry
      [op.proto(2), op.MEMOIZE, op.STOP], // memoising an empty stack
      [op.proto(9), op.NONE, op.STOP], // unknown protocol
      [op.proto(2), op.EMPTY_LIST, op.bu('truncated').subarray(0, 6)], // payload past the end
      [op.proto(2), op.EMPTY_LIST], // no STOP
      [op.proto(4), op.frame(2), op.EMPTY_LIST, op.binint1(1), op.APPEND, op.STOP], // an opcode crossing its frame
      [op.proto(4), op.frame(12), op.frame(4), op.EMPTY_LIST, op.NONE, op.APPEND, op.STOP], // a frame past the enclosing one
      [op.proto(4), op.frame(5), op.frame(9), op.NONE, op.STOP], // a FRAME opcode crossing the end of its frame
      [op.proto(4), op.frame(1000), op.NONE, op.STOP], // a frame past the data
      [op.proto(2), 'Z', op.STOP], // not an opcode
    ];
    for (const parts of broken) {
      const { accepted, full } = compare(asm(...parts));
      const where = asm(...parts).toString('hex');
      expect(accepted, where).toBe(false);
      // Each case is one the full machine has something to say about.
      expect(full.error !== null || full.structural.length > 0 || full.softErrors.length > 0, where).toBe(true);
    }
  });

  it('the limits: opcodes, stack, marks and memo, each reached by one more than allowed', () => {
    const list = (n: number) => asm(op.proto(4), op.EMPTY_LIST, op.MARK, ...Array.from({ length: n }, () => op.NONE), op.APPENDS, op.STOP);
    const memos = (n: number) => asm(op.proto(4), op.EMPTY_LIST, ...Array.from({ length: n }, () => [0x94]), op.STOP);
    const marks = (n: number) => asm(op.proto(4), op.EMPTY_LIST, ...Array.from({ length: n }, () => asm(op.MARK, op.EMPTY_LIST)), ...Array.from({ length: n }, () => op.APPENDS), op.STOP);
    const at = (over: Partial<VmLimits>) => ({ ...DEFAULT_VM_LIMITS, ...over });
    expect(compare(list(10), at({ maxOpcodes: 15 })).accepted).toBe(true);
    expect(compare(list(10), at({ maxOpcodes: 14 })).full.error?.kind).toBe('limit');
    expect(compare(list(10), at({ maxOpcodes: 14 })).accepted).toBe(false);
    expect(compare(list(10), at({ maxStack: 11 })).accepted).toBe(true);
    expect(compare(list(10), at({ maxStack: 10 })).accepted).toBe(false);
    expect(compare(marks(5), at({ maxMarks: 5 })).accepted).toBe(true);
    expect(compare(marks(5), at({ maxMarks: 4 })).accepted).toBe(false);
    expect(compare(memos(5), at({ maxMemo: 5 })).accepted).toBe(true);
    expect(compare(memos(5), at({ maxMemo: 4 })).accepted).toBe(false);
  });

  it('a memo index far beyond the entries in use (the full memo keeps those apart, in a map)', () => {
    for (const idx of [100_000_000, 4_000_000_000]) {
      const far = asm(op.proto(4), op.EMPTY_LIST, ops.longBinput(idx), ops.longBinget(idx), op.APPEND, op.STOP);
      const { accepted, full } = compare(far);
      expect(accepted, String(idx)).toBe(false);
      expect(full.stopped && full.error === null, String(idx)).toBe(true);
    }
  });
});

/** Globals of the random pickles: the first two allowed constructors, then the kinds the pass must leave. */
const GLOBALS: readonly [string, string][] = [
  ['collections', 'OrderedDict'],
  ['__builtin__', 'set'],
  ['posix', 'system'],
  ['numpy', 'dtype'],
  ['functools', 'partial'],
  ['mymodule', 'Thing'],
];

/** A random pickle of nested data, written as CPython's pickler and by hand-built variations would. */
function randomDataPickle(rnd: () => number): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  const parts: Buffer[] = [];
  let memoised = 0;
  const emit = (p: Part) => parts.push(asm(p));
  const memoise = () => {
    const k = pick(6);
    if (k === 0) emit(op.MEMOIZE);
    else if (k === 1) emit(op.binput(memoised & 0xff));
    else if (k === 2) emit(ops.longBinput(memoised));
    else return;
    memoised++;
  };
  const value = (depth: number): void => {
    const k = depth > 3 ? pick(8) : pick(18);
    switch (k) {
      case 0: emit(op.binint1(pick(256))); break;
      case 1: emit(ops.binint2(pick(65536))); break;
      case 2: emit(ops.binint(pick(2 ** 32) - 2 ** 31)); break;
      case 3: emit(ops.binfloat); break;
      case 4: emit([op.NONE, op.NEWTRUE, ops.NEWFALSE][pick(3)]!); break;
      case 5: emit(pick(2) ? op.sbu('s'.repeat(pick(40))) : op.bu('u'.repeat(pick(300)))); break;
      case 6: emit(pick(2) ? op.shortBinbytes(Buffer.alloc(pick(40))) : op.binbytes(Buffer.alloc(pick(300)))); break;
      case 7:
        if (memoised > 0) emit(pick(2) ? op.binget(pick(Math.min(memoised, 256))) : ops.longBinget(pick(memoised)));
        else emit(op.EMPTY_TUPLE);
        break;
      case 8: case 9: {
        emit(op.EMPTY_LIST);
        memoise();
        for (let n = pick(4); n > 0; n--) {
          if (pick(2)) {
            value(depth + 1);
            emit(op.APPEND);
          } else {
            emit(op.MARK);
            for (let m = pick(5); m > 0; m--) value(depth + 1);
            emit(op.APPENDS);
          }
        }
        break;
      }
      case 10: case 11: {
        emit(op.EMPTY_DICT);
        memoise();
        for (let n = pick(4); n > 0; n--) {
          if (pick(2)) {
            value(depth + 1);
            value(depth + 1);
            emit(op.SETITEM);
          } else {
            emit(op.MARK);
            for (let m = pick(4); m > 0; m--) {
              value(depth + 1);
              value(depth + 1);
            }
            emit(op.SETITEMS);
          }
        }
        break;
      }
      case 12: {
        const n = pick(4);
        for (let m = 0; m < n; m++) value(depth + 1);
        emit([op.EMPTY_TUPLE, op.TUPLE1, op.TUPLE2, op.TUPLE3][n]!);
        break;
      }
      case 14: case 15: {
        // A global, mostly allowed ones, now and then called, its result now and then given a state.
        const [m, n] = GLOBALS[pick(4) === 0 ? pick(GLOBALS.length) : pick(2)]!;
        emit(op.global(m, n));
        if (pick(3) > 0) {
          const args = pick(6);
          if (args === 0) emit(op.NONE);
          else if (args === 1) emit(op.EMPTY_TUPLE);
          else {
            value(depth + 1);
            emit(op.TUPLE1);
          }
          emit(ops.REDUCE);
          if (pick(3) === 0) {
            value(depth + 1);
            emit(op.BUILD);
          }
        }
        break;
      }
      case 16:
        value(depth + 1);
        emit(ops.BINPERSID);
        break;
      default: {
        emit(op.MARK);
        for (let m = pick(5); m > 0; m--) value(depth + 1);
        emit(op.TUPLE);
      }
    }
    memoise();
  };
  value(0);
  emit(op.STOP);
  const body = Buffer.concat(parts);
  const proto = [2, 3, 4, 5][pick(4)]!;
  // Protocol 4+ bodies in a frame, as CPython writes them; now and then a frame one byte short or long.
  if (proto >= 4 && pick(2)) return asm(op.proto(proto), op.frame(body.length + [0, 0, 0, -1, 1][pick(5)]!), body);
  return asm(op.proto(proto), body);
}

function mutate(rnd: () => number, buf: Buffer): Buffer {
  const pick = (n: number) => Math.floor(rnd() * n);
  if (pick(2)) return buf.subarray(0, pick(buf.length + 1));
  const out = Buffer.from(buf);
  for (let k = 0, n = 1 + pick(3); k < n; k++) {
    const at = pick(out.length);
    out[at] = pick(2) ? out[at]! ^ (1 << pick(8)) : [0x28, 0x2e, 0x61, 0x65, 0x73, 0x75, 0x85, 0x94, 0x68, 0x71][pick(10)]!;
  }
  return out;
}

/** Every .pkl fixture: pickles written by CPython and the frameworks, benign and malicious. */
function pickleFixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? pickleFixtures(join(dir, e.name)) : e.name.endsWith('.pkl') ? [join(dir, e.name)] : []))
    .sort();
}

/** The stored .pkl members (data.pkl, constants.pkl…) of the torch.save and torch.jit.save zip fixtures. */
function zipPickles(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.pt'))
    .flatMap((f) => {
      const src = new BufferSource(readFileSync(join(dir, f)));
      const zip = readDirectories(src, DEFAULT_LIMITS.archive).miniz;
      if (zip instanceof Error) return [];
      return zip.entries
        .filter((e) => e.name.endsWith('.pkl') && e.method === 0)
        .map((e) => ({ name: `${f}:${e.name}`, bytes: src.read(readLocalHeader(src, e).dataOffset, e.compressedSize) }));
    });
}

describe('real pickles: the fixtures', () => {
  it('the pass takes pickles of data and of allowed objects as the full machine reads them', () => {
    const files = [...pickleFixtures('fixtures/benign'), ...pickleFixtures('fixtures/malicious')];
    expect(files.length).toBeGreaterThan(100);
    let accepted = 0;
    // compare() checks each run against a full one; a malicious stream whose first pickle is harmless (its
    // payload comes after STOP) is taken for that first pickle only.
    for (const f of files) if (compare(readFileSync(f)).accepted) accepted++;
    // At least Python's collections, sets and nested containers of several protocols (fixtures/benign/stdlib).
    expect(accepted).toBeGreaterThanOrEqual(10);
    expect(accepted).toBeLessThan(files.length / 2);
  });

  it('torch checkpoints\' data.pkl (state dicts, optimizer state) are taken, malicious pickles are not', () => {
    const benign = zipPickles('fixtures/containers/benign/torch');
    const taken = benign.filter((m) => compare(m.bytes).accepted).map((m) => m.name);
    expect(taken).toEqual(expect.arrayContaining(['state_dict_zip.pt:archive/data.pkl', 'checkpoint_optimizer_zip.pt:archive/data.pkl']));
    const evil = zipPickles('fixtures/containers/malicious/torch');
    expect(evil.length).toBeGreaterThan(0);
    for (const m of evil) {
      const { accepted, full } = compare(m.bytes);
      if (full.records.length > 0 || full.structural.length > 0) expect(accepted, m.name).toBe(false);
    }
  });
});

describe('random streams: the pass never accepts what the full machine reads differently', () => {
  it('generated pickles of data and objects, whole and mutated, through windows of several sizes', () => {
    const rnd = mulberry32(0xda7a);
    let accepted = 0;
    let rejected = 0;
    let calls = 0;
    let mutatedAccepted = 0;
    for (let round = 0; round < 4000; round++) {
      const whole = randomDataPickle(rnd);
      const window = [16, 64, 4096, undefined][round % 4];
      // Now and then as torch's legacy layout reads a pickle: with its persistent ids.
      const r = compare(whole, DEFAULT_VM_LIMITS, window, round % 10 === 0);
      if (r.accepted) accepted++;
      else rejected++;
      if (r.accepted && r.full.reachedCall) calls++;
      const m = compare(mutate(rnd, whole), DEFAULT_VM_LIMITS, window);
      if (m.accepted) mutatedAccepted++;
    }
    // Both outcomes must be exercised in bulk: most generated pickles are accepted; frames one byte off,
    // results the pass cannot give, globals it must leave are not; some mutations still parse.
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(300);
    expect(calls).toBeGreaterThan(100);
    expect(mutatedAccepted).toBeGreaterThan(100);
  });
});

/** A pickle of `n` small dicts as CPython's protocol 4 pickler writes a list of records (no frames). */
function recordList(n: number, tail: Part[] = []): Buffer {
  const parts: Buffer[] = [asm(op.proto(4), op.EMPTY_LIST, op.MEMOIZE, op.MARK)];
  for (let i = 0; i < n; i++) {
    const keys = i === 0 ? [asm(op.sbu('id'), op.MEMOIZE), asm(op.sbu('name'), op.MEMOIZE)] : [op.binget(1), op.binget(2)];
    parts.push(asm(op.EMPTY_DICT, op.MEMOIZE, op.MARK, keys[0]!, ops.binint(i), keys[1]!, op.sbu(`item${i}`), op.MEMOIZE, op.SETITEMS));
  }
  parts.push(asm(...tail, op.APPENDS, op.STOP));
  return Buffer.concat(parts);
}

describe('in the scan: pickles of 64 KiB and more take the pass, and lose nothing by it', () => {
  const records = recordList(5_000);
  const analyse = (b: Buffer) => analyseStream(new BufferSource(b), POLICY, DEFAULT_LIMITS.pickle, HOOKS);

  it('a pickle of records is read by the pass alone; a small one by the full machine', () => {
    expect(records.length).toBeGreaterThan(64 << 10);
    const big = analyse(records);
    expect([big.pickles, big.quickPasses, big.errors.length, big.globals.length]).toEqual([1, 1, 0, 0]);
    const small = analyse(recordList(100));
    expect([small.pickles, small.quickPasses]).toEqual([1, 0]);
  });

  it('the same records with one call at the very end: the pass gives up and the call is found', async () => {
    const evil = recordList(5_000, [op.global('posix', 'system'), op.bu('echo modelscan-guard-test'), op.TUPLE1, op.REDUCE]);
    const a = analyse(evil);
    expect(a.quickPasses).toBe(0);
    expect(a.globals.map((g) => `${g.record.module}.${g.record.name}:${g.record.use}`)).toEqual(['posix.system:called']);
    const r = await scanBytes(evil, 'records.pkl');
    expect(r.findings.map((f) => `${f.severity} ${f.module}.${f.operator} ${f.use}`)).toEqual(['CRITICAL posix.system called']);
  });

  it('a second pickle after the first STOP is still analysed', async () => {
    const both = Buffer.concat([records, asm(op.proto(2), op.global('posix', 'system'), op.bu('echo modelscan-guard-test'), op.TUPLE1, op.REDUCE, op.STOP)]);
    expect(analyse(both).quickPasses).toBe(1);
    const r = await scanBytes(both, 'records.pkl');
    expect(r.findings.map((f) => `${f.module}.${f.operator}`)).toEqual(['posix.system']);
  });

  it('a pickle of records is clean, and one cut short is an error, not clean', async () => {
    const clean = await scanBytes(records, 'records.pkl');
    expect(clean.findings).toEqual([]);
    expect(clean.errors).toEqual([]);
    const cut = await scanBytes(records.subarray(0, records.length - 3), 'records.pkl');
    expect(cut.errors.map((e) => e.message).join('\n')).toMatch(/truncated|ends/);
  });
});
