/**
 * The data-only pass (src/scanners/pickle/data-only.ts) may accept a pickle only where the full machine would
 * reach STOP with nothing to report, at the same offset, after the same opcodes, with the same result. Every
 * acceptance here is checked against a full run; every case the pass must leave to the full machine is
 * checked to be left (and to be something the full machine does report).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_VM_LIMITS, type VmLimits } from '../../src/engine/limits.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { Cursor } from '../../src/io/cursor.js';
import { joblibHooks } from '../../src/scanners/joblib/arrays.js';
import { proveDataOnly } from '../../src/scanners/pickle/data-only.js';
import { makeVmPolicy } from '../../src/scanners/pickle/index.js';
import { Machine, runPickle, type RunResult } from '../../src/scanners/pickle/vm.js';
import { mulberry32 } from '../helpers/codec-run.js';
import { asm, op, type Part } from '../helpers/pickle-asm.js';

const POLICY = makeVmPolicy({});
/** As the pickle scanner reads: with joblib's hooks. */
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
};

/** The fields the full machine reports for a run; equal for every acceptance. */
function fullOutcome(r: RunResult) {
  return { stopped: r.stopped, end: r.end, opcodes: r.opcodes, protocol: r.protocol, value: r.value };
}

/**
 * Runs both readings of `bytes`; when the pass accepts, the full run must agree in every field. Returns whether
 * the pass accepted, and the full run.
 */
function compare(bytes: Buffer, limits: VmLimits = DEFAULT_VM_LIMITS, window?: number): { accepted: boolean; full: RunResult } {
  const src = new BufferSource(bytes);
  const fast = proveDataOnly(new Cursor(src, 0, window), 0, limits);
  const full = runPickle(src, 0, POLICY, limits, undefined, HOOKS);
  if (fast !== null) {
    const where = bytes.toString('hex').slice(0, 400);
    expect(full.error, where).toBeNull();
    expect(full.softErrors, where).toEqual([]);
    expect(full.records, where).toEqual([]);
    expect(full.structural, where).toEqual([]);
    expect(full.nested, where).toEqual([]);
    expect(full.persistentIds, where).toEqual([]);
    expect(full.skippedAt, where).toEqual([]);
    expect(full.reachedCall, where).toBe(false);
    expect({ stopped: true, end: fast.end, opcodes: fast.opcodes, protocol: fast.protocol, value: fast.value }, where).toEqual(fullOutcome(full));
    // The same shared constant, not an equal copy: callers compare values by identity.
    expect(fast.value, where).toBe(full.value);
  }
  return { accepted: fast !== null, full };
}

const accepts = (...parts: Part[]) => compare(asm(...parts)).accepted;

describe('the data-only pass accepts data, as the full machine reads it', () => {
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

describe('the data-only pass leaves to the full machine', () => {
  it('any global, call, build, extension, persistent id or opcode outside its set, and results that are not shared constants', () => {
    const cases: Part[][] = [
      [op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP],
      [op.proto(4), op.EMPTY_LIST, op.sbu('os'), op.sbu('system'), op.STACK_GLOBAL, op.APPEND, op.STOP],
      [op.proto(2), op.EMPTY_DICT, op.EMPTY_DICT, op.BUILD, op.STOP],
      [op.proto(2), op.ext1(1), op.STOP],
      [op.proto(2), op.NONE, [0x51], op.STOP],
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
    const k = depth > 3 ? pick(8) : pick(14);
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

describe('real pickles: the fixtures', () => {
  it('the pass accepts first pickles of plain data as the full machine reads them, and no other', () => {
    const files = [...pickleFixtures('fixtures/benign'), ...pickleFixtures('fixtures/malicious')];
    expect(files.length).toBeGreaterThan(100);
    let accepted = 0;
    // compare() checks each acceptance against the full run; a malicious stream whose first pickle is plain
    // data (its payload comes after STOP) is accepted for that first pickle only.
    for (const f of files) if (compare(readFileSync(f)).accepted) accepted++;
    // At least Python's nested containers of protocols 2 to 5 (fixtures/benign/stdlib/stdlib_nested_p*.pkl).
    expect(accepted).toBeGreaterThanOrEqual(4);
    expect(accepted).toBeLessThan(files.length / 2);
  });
});

describe('random streams: the pass never accepts what the full machine reads differently', () => {
  it('generated data pickles, whole and mutated, through windows of several sizes', () => {
    const rnd = mulberry32(0xda7a);
    let accepted = 0;
    let rejected = 0;
    let mutatedAccepted = 0;
    for (let round = 0; round < 4000; round++) {
      const whole = randomDataPickle(rnd);
      const window = [16, 64, 4096, undefined][round % 4];
      const r = compare(whole, DEFAULT_VM_LIMITS, window);
      if (r.accepted) accepted++;
      else rejected++;
      const m = compare(mutate(rnd, whole), DEFAULT_VM_LIMITS, window);
      if (m.accepted) mutatedAccepted++;
    }
    // Both outcomes must be exercised in bulk: most generated pickles are accepted (their results are lists,
    // dicts and shared scalars), frames one byte off and non-shared results are not; some mutations still
    // parse as data.
    expect(accepted).toBeGreaterThan(1500);
    expect(rejected).toBeGreaterThan(300);
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

describe('in the scan: big pickles take the pass, and lose nothing by it', () => {
  const big = recordList(45_000);

  it('a 1 MiB+ pickle of records is read by the pass alone, with the full reading\'s outcome', () => {
    expect(big.length).toBeGreaterThan(1 << 20);
    const src = new BufferSource(big);
    const withPass = new Machine(src, POLICY, undefined, HOOKS, 0, true).run(0, DEFAULT_VM_LIMITS);
    const without = new Machine(src, POLICY, undefined, HOOKS, 0, false).run(0, DEFAULT_VM_LIMITS);
    expect(withPass.dataOnly).toBe(true);
    expect(without.dataOnly).toBe(false);
    expect({ ...withPass, dataOnly: false }).toEqual(without);
  });

  it('the same records with one call at the very end: the pass gives up and the call is found', async () => {
    const evil = recordList(45_000, [op.global('posix', 'system'), op.bu('echo modelscan-guard-test'), op.TUPLE1, op.REDUCE]);
    const src = new BufferSource(evil);
    const run = new Machine(src, POLICY, undefined, HOOKS, 0, true).run(0, DEFAULT_VM_LIMITS);
    expect(run.dataOnly).toBe(false);
    expect(run.records.map((g) => `${g.module}.${g.name}:${g.use}`)).toEqual(['posix.system:called']);
    const r = await scanBytes(evil, 'records.pkl');
    expect(r.findings.map((f) => `${f.severity} ${f.module}.${f.operator} ${f.use}`)).toEqual(['CRITICAL posix.system called']);
  });

  it('a second pickle after the first STOP is still analysed', async () => {
    const r = await scanBytes(Buffer.concat([big, asm(op.proto(2), op.global('posix', 'system'), op.bu('echo modelscan-guard-test'), op.TUPLE1, op.REDUCE, op.STOP)]), 'records.pkl');
    expect(r.findings.map((f) => `${f.module}.${f.operator}`)).toEqual(['posix.system']);
  });

  it('a big pickle of records is clean, and one cut short is an error, not clean', async () => {
    const clean = await scanBytes(big, 'records.pkl');
    expect(clean.findings).toEqual([]);
    expect(clean.errors).toEqual([]);
    const cut = await scanBytes(big.subarray(0, big.length - 3), 'records.pkl');
    expect(cut.errors.map((e) => e.message).join('\n')).toMatch(/truncated|ends/);
  });
});
