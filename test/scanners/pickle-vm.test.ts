/**
 * The symbolic VM, opcode family by opcode family and rule by rule, on hand-assembled streams. Each malicious
 * stream has a benign twin that must come out clean, so a rule that fires on everything fails here too.
 */
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import type { ScanResult } from '../../src/types.js';
import { mulberry32 } from '../helpers/codec-run.js';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';
import { buildZip } from '../helpers/zip-build.js';

const scan = (b: Buffer, name = 'model.pkl') => scanBytes(b, name);
const globalsOf = (r: ScanResult) => r.findings.filter((f) => f.module !== undefined).map((f) => `${f.module}.${f.operator}`);
const rulesOf = (r: ScanResult) => r.findings.map((f) => f.rule);
const finding = (r: ScanResult, g: string) => r.findings.find((f) => `${f.module}.${f.operator}` === g);

function expectClean(r: ScanResult) {
  expect(r.findings, JSON.stringify(r.findings)).toEqual([]);
  expect(r.errors, JSON.stringify(r.errors)).toEqual([]);
  expect(r.skipped).toBeUndefined();
}

describe('calls and their attribution', () => {
  it('REDUCE on a dangerous global is a called CRITICAL finding at the REDUCE offset', async () => {
    const b = callPickle('posix', 'system');
    const r = await scan(b);
    const f = finding(r, 'posix.system')!;
    expect(f.severity).toBe('CRITICAL');
    expect(f.use).toBe('called');
    expect(f.rule).toBe('pickle/dangerous-global');
    expect(f.location?.offset).toBe(b.indexOf(Buffer.from('R')));
  });

  it('a safe global called the same way is clean (benign twin)', async () => {
    expectClean(await scan(asm(op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.STOP)));
  });

  it('a dangerous global only imported is reported as imported', async () => {
    const r = await scan(asm(op.proto(2), op.global('posix', 'system'), op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('imported');
  });

  it('INST calls its class (protocol 0)', async () => {
    const r = await scan(Buffer.from("(S'print(1)'\ni__builtin__\nexec\n.", 'latin1'));
    expect(finding(r, 'builtins.exec')?.use).toBe('called');
  });

  it('OBJ calls the first item after the mark', async () => {
    const r = await scan(asm(op.proto(2), op.MARK, op.global('smtplib', 'SMTP'), op.bu('127.0.0.1'), op.OBJ, op.POP, op.NONE, op.STOP));
    expect(finding(r, 'smtplib.SMTP')?.use).toBe('called');
  });

  it('NEWOBJ and NEWOBJ_EX call the class', async () => {
    const a = await scan(asm(op.proto(2), op.global('subprocess', 'Popen'), op.bu('id'), op.TUPLE1, op.NEWOBJ, op.STOP));
    expect(finding(a, 'subprocess.Popen')?.use).toBe('called');
    const b = await scan(asm(op.proto(4), op.global('subprocess', 'Popen'), op.EMPTY_TUPLE, op.EMPTY_DICT, op.NEWOBJ_EX, op.STOP));
    expect(finding(b, 'subprocess.Popen')?.use).toBe('called');
  });

  it('calling a computed object is an indirect call', async () => {
    // OrderedDict()(…): the callee of the second REDUCE is the result of the first.
    const r = await scan(asm(op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP));
    expect(rulesOf(r)).toContain('pickle/indirect-call');
  });

  it('getattr(posix.system, "__call__")(…) is a call of posix.system.__call__', async () => {
    const r = await scan(
      asm(op.proto(2), op.global('builtins', 'getattr'), op.global('posix', 'system'), op.bu('__call__'), op.TUPLE2, op.REDUCE, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP),
    );
    const f = finding(r, 'posix.system.__call__');
    expect(f?.severity).toBe('CRITICAL');
    expect(f?.use).toBe('called');
  });

  it('functools.partial over a dangerous callable marks that callable called', async () => {
    const r = await scan(asm(op.proto(2), op.global('functools', 'partial'), op.global('posix', 'system'), op.bu('id'), op.TUPLE2, op.REDUCE, op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(globalsOf(r)).not.toContain('functools.partial');
  });

  it('functools.partial over an unlisted callable still has its bytes scanned', async () => {
    const inner = callPickle('posix', 'system', 'id', 4);
    const r = await scan(asm(op.proto(4), op.global('functools', 'partial'), op.global('someone.elses', 'loads'), op.binbytes(inner), op.TUPLE2, op.REDUCE, op.STOP));
    expect(finding(r, 'posix.system')?.location?.member).toMatch(/^payload@/);
  });

  it('a partial made by NEWOBJ or copyreg.__newobj__ and rebound by BUILD is judged by its new target', async () => {
    // partial(str), then partial.__setstate__((builtins.getattr, (posix, 'system'), None, None)), then called.
    const swap = asm(op.MARK, op.global('builtins', 'getattr'), op.global('posix', 'system'), op.sbu('__call__'), op.TUPLE2, op.NONE, op.NONE, op.TUPLE, op.BUILD, op.EMPTY_TUPLE, op.REDUCE);
    const makers = {
      NEWOBJ: asm(op.global('functools', 'partial'), op.global('builtins', 'str'), op.TUPLE1, op.NEWOBJ),
      '__newobj__': asm(op.global('copyreg', '__newobj__'), op.global('functools', 'partial'), op.global('builtins', 'str'), op.TUPLE2, op.REDUCE),
    };
    for (const [how, make] of Object.entries(makers)) {
      const r = await scan(asm(op.proto(2), make, swap, op.STOP));
      expect(finding(r, 'posix.system.__call__')?.severity, how).toBe('CRITICAL');
    }
  });

  it('functools.partial over a safe callable is clean', async () => {
    expectClean(await scan(asm(op.proto(2), op.global('functools', 'partial'), op.global('collections', 'OrderedDict'), op.TUPLE1, op.REDUCE, op.STOP)));
  });
});

describe('BUILD and container mutations', () => {
  it('BUILD on an imported global is build-on-import', async () => {
    const r = await scan(asm(op.proto(2), op.global('numpy', 'prod'), op.NONE, op.MARK, op.bu('a'), op.bu('os'), op.DICT, op.TUPLE2, op.BUILD, op.STOP));
    expect(rulesOf(r)).toContain('pickle/build-on-import');
  });

  it('BUILD on an object the stream created is fine (benign twin)', async () => {
    expectClean(await scan(asm(op.proto(2), op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE, op.EMPTY_DICT, op.BUILD, op.STOP)));
  });

  it('APPENDS / SETITEMS / ADDITEMS on a global call its methods', async () => {
    for (const [ops, name] of [
      [[op.MARK, op.bu('x'), op.APPENDS], 'APPENDS'],
      [[op.MARK, op.bu('k'), op.bu('v'), op.SETITEMS], 'SETITEMS'],
      [[op.MARK, op.bu('x'), op.ADDITEMS], 'ADDITEMS'],
    ] as const) {
      const r = await scan(asm(op.proto(4), op.global('collections', 'OrderedDict'), ...ops, op.STOP));
      expect(rulesOf(r), name).toContain('pickle/mutation-of-import');
    }
  });

  it('APPENDS / SETITEMS / ADDITEMS on real containers are clean', async () => {
    expectClean(await scan(asm(op.proto(4), op.EMPTY_LIST, op.MARK, op.binint1(1), op.binint1(2), op.APPENDS, op.STOP)));
    expectClean(await scan(asm(op.proto(4), op.EMPTY_DICT, op.MARK, op.bu('k'), op.binint1(1), op.SETITEMS, op.STOP)));
    expectClean(await scan(asm(op.proto(4), op.EMPTY_SET, op.MARK, op.binint1(1), op.ADDITEMS, op.STOP)));
  });

  it('an empty APPENDS calls nothing, as in CPython', async () => {
    expectClean(await scan(asm(op.proto(4), op.global('collections', 'OrderedDict'), op.MARK, op.APPENDS, op.STOP)));
  });
});

describe('memo, as CPython keeps it', () => {
  it('MEMOIZE stores at len(memo), not after the highest PUT index (threat A3)', async () => {
    // memo[0]='os', memo[1]='system' via BINPUT; decoys memoised at 2 and 3; STACK_GLOBAL of GET 0, GET 1.
    const r = await scan(
      asm(
        op.proto(4),
        op.binstring('os'), op.binput(0), op.binstring('system'), op.binput(1),
        op.binstring('torch._utils'), op.MEMOIZE, op.binstring('_rebuild_tensor_v2'), op.MEMOIZE,
        op.POP, op.POP, op.POP, op.POP,
        op.binget(0), op.binget(1), op.STACK_GLOBAL, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP,
      ),
    );
    expect(finding(r, 'os.system')?.use).toBe('called');
  });

  it('PUT stores whatever is on top of the stack (threat A4 shape)', async () => {
    const r = await scan(
      asm(op.proto(4), op.sbu('posix'), op.put(0), op.POP, op.sbu('system'), op.put(1), op.POP, op.get(0), op.get(1), op.STACK_GLOBAL, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP),
    );
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });

  it('GET of a missing index is an error, after what already ran (threat A6)', async () => {
    const r = await scan(
      asm(op.proto(4), op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE, op.POP, op.sbu('os'), op.MEMOIZE, op.binget(3), op.binget(0), op.STACK_GLOBAL, op.binint1(1), op.STOP),
    );
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors.map((e) => e.message).join()).toMatch(/Memo value not found/);
  });

  it('STACK_GLOBAL with a number or a global as operand is a dynamic import (threats A7, A8)', async () => {
    const num = await scan(asm(op.proto(4), op.binint1(42), op.binput(0), op.sbu('os'), op.binput(1), op.binget(0), op.binget(1), op.STACK_GLOBAL, op.STOP));
    expect(rulesOf(num)).toContain('pickle/dynamic-global');
    const glob = await scan(asm(op.proto(4), op.sbu('builtins'), op.sbu('str'), op.STACK_GLOBAL, op.MEMOIZE, op.binget(0), op.sbu('x'), op.STACK_GLOBAL, op.STOP));
    expect(rulesOf(glob)).toContain('pickle/dynamic-global');
  });

  it('STACK_GLOBAL with constant strings resolves, STRING-typed and without PROTO (threat A5)', async () => {
    const r = await scan(Buffer.from("S'os'\nS'system'\n\x93S'ls'\n\x85R.", 'latin1'));
    expect(finding(r, 'os.system')?.use).toBe('called');
  });
});

describe('names as find_class sees them', () => {
  it('protocol < 3 applies the _compat_pickle renames (threat A20)', async () => {
    const cases: [string, string, string][] = [
      ['commands', 'getoutput', 'subprocess.getoutput'],
      ['cPickle', 'loads', 'pickle.loads'],
      ['urllib2', 'urlopen', 'urllib.request.urlopen'],
      ['__builtin__', 'reduce', 'functools.reduce'],
      ['__builtin__', 'eval', 'builtins.eval'],
    ];
    for (const [m, n, want] of cases) {
      const r = await scan(Buffer.from(`c${m}\n${n}\n(S'x'\ntR.`, 'latin1'));
      expect(globalsOf(r), `${m}.${n}`).toContain(want);
    }
  });

  it('protocol >= 3 does not rename', async () => {
    const r = await scan(asm(op.proto(3), op.global('commands', 'getoutput'), op.STOP));
    expect(globalsOf(r)).toContain('commands.getoutput');
  });

  it('dotted names resolve through an innocuous module (threat A15)', async () => {
    for (const [m, n] of [['pathlib', 'os.system'], ['glob', 'os.system'], ['tempfile', '_os.system'], ['shutil', 'os.system']]) {
      const r = await scan(asm(op.proto(4), op.sbu(m!), op.sbu(n!), op.STACK_GLOBAL, op.EMPTY_TUPLE, op.REDUCE, op.STOP));
      const f = finding(r, `${m}.${n}`);
      expect(f?.severity, `${m} ${n}`).toBe('CRITICAL');
    }
  });

  it('attribute suffixes match the deny list (threat A14)', async () => {
    const r = await scan(asm(op.proto(2), op.global('builtins', 'eval.__call__'), op.bu('1'), op.TUPLE1, op.REDUCE, op.STOP));
    expect(finding(r, 'builtins.eval.__call__')?.severity).toBe('CRITICAL');
  });

  it('submodules of a denied package are denied (threat A21)', async () => {
    const r = await scan(asm(op.proto(4), op.global('asyncio.unix_events', '_UnixSubprocessTransport'), op.STOP));
    expect(finding(r, 'asyncio.unix_events._UnixSubprocessTransport')?.severity).toBe('CRITICAL');
  });

  it('an import on neither list is an unknown-global MEDIUM finding', async () => {
    const r = await scan(asm(op.proto(4), op.global('someone.elses', 'Gadget'), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
    const f = finding(r, 'someone.elses.Gadget');
    expect(f?.rule).toBe('pickle/unknown-global');
    expect(f?.severity).toBe('MEDIUM');
  });

  it('a module line that is not an import path makes the load fail, as CPython does', async () => {
    const r = await scan(asm(op.proto(2), op.global('not a module', 'x'), op.STOP));
    expect(r.findings).toEqual([]);
    expect(r.errors.map((e) => e.message).join()).toMatch(/No module named/);
  });

  it('EXT1 is a call through the extension registry (threat A18)', async () => {
    const r = await scan(asm(op.proto(2), op.ext1(1), op.MARK, op.bu('id'), op.TUPLE, op.REDUCE, op.STOP));
    expect(rulesOf(r)).toContain('pickle/extension-code');
    expect(r.findings.find((f) => f.rule === 'pickle/extension-code')?.use).toBe('called');
  });
});

describe('argument parsing as the C unpickler does it', () => {
  it('INT and LONG accept base prefixes, so a prefix does not desync the stream (threat A10)', async () => {
    for (const pre of ['I0x10\n0', 'I0o17\n0', 'I0b11\n0', 'L0x10L\n0', 'I017\n0', 'I1_000\n0']) {
      const r = await scan(Buffer.concat([Buffer.from(pre, 'latin1'), Buffer.from("cposix\nsystem\n(S'id'\ntR.", 'latin1')]));
      expect(finding(r, 'posix.system')?.use, pre).toBe('called');
      expect(r.errors, pre).toEqual([]);
    }
  });

  it('an INT line CPython rejects is an error', async () => {
    const r = await scan(Buffer.from('I0x\n.', 'latin1'), 'x.pkl');
    // Not even a pickle by sniffing, or an error: never clean.
    expect(r.errors.length > 0 || r.skipped !== undefined).toBe(true);
  });

  it('protocol 0 text values of every kind are clean (benign)', async () => {
    expectClean(await scan(Buffer.from("(lp0\nI1\naF2.5\naS'a\\x41\\n'\np1\naVsnow \\u2603\np2\naL12L\naI01\naNa.", 'latin1')));
  });

  it('a NUL ends the number of a PUT, GET or LONG line, as PyLong_FromString stops there', async () => {
    // CPython copies each line into a NUL-terminated buffer: `p0\0junk\n` is PUT 0.
    for (const [put, get] of [['p0\0junk', 'g0'], ['p0', 'g0\0'], ['p0\0', 'g0\0x']]) {
      const text = `cposix\nsystem\n${put}\n0${get}\n(S'id'\ntR.`;
      const r = await scan(Buffer.from(text, 'latin1'));
      expect(finding(r, 'posix.system')?.use, JSON.stringify(text)).toBe('called');
      expect(r.errors, JSON.stringify(text)).toEqual([]);
    }
    const r = await scan(Buffer.from("L5\0\n0cposix\nsystem\n(S'id'\ntR.", 'latin1'));
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });

  it('a line longer than the analysis keeps is its limit, reported as such (CPython reads it)', async () => {
    const r = await scan(Buffer.from(`(lp0\nI${' '.repeat(5000)}1\na.`, 'latin1'));
    expect(r.errors.map((e) => `${e.kind}: ${e.message}`).join()).toMatch(/^limit: INT line longer than 4096 bytes/);
  });

  it('PROTO above 5 is an error', async () => {
    const r = await scan(asm(op.proto(2), op.NONE, op.proto(6), op.STOP));
    expect(r.errors.map((e) => e.message).join()).toMatch(/unsupported pickle protocol/);
  });

  it('POP removes a mark sitting on top of the stack, as load_pop does', async () => {
    // MARK POP leaves nothing behind; the following TUPLE then needs its own MARK.
    expectClean(await scan(asm(op.proto(2), op.MARK, op.POP, op.MARK, op.NONE, op.TUPLE, op.STOP)));
  });

  it('STOP on an empty stack is an underflow error', async () => {
    const r = await scan(asm(op.proto(2), op.NONE, op.POP, op.STOP));
    expect(r.errors.map((e) => e.message).join()).toMatch(/underflow/);
  });
});

describe('frames', () => {
  it('an opcode crossing the end of its FRAME is a frame-divergence finding (threat A11)', async () => {
    const r = await scan(asm(op.proto(4), op.frame(3), op.sbu('a'.repeat(20)), op.STOP));
    expect(rulesOf(r)).toContain('pickle/frame-divergence');
  });

  it('well-framed pickles are clean (benign twin)', async () => {
    const body = asm(op.sbu('abc'), op.MEMOIZE, op.STOP);
    expectClean(await scan(asm(op.proto(4), op.frame(body.length), body)));
  });

  it('a FRAME longer than the data is a truncation error, not a hang or a huge allocation', async () => {
    const r = await scan(asm(op.proto(4), op.frame(2n ** 62n), op.NONE, op.STOP));
    expect(r.errors.map((e) => e.message).join()).toMatch(/truncated/);
  });

  it('the long FRAME/BINBYTES straddle of threat A11 is caught', async () => {
    const payload = asm(op.global('posix', 'system'), op.unicode('id'), op.TUPLE1, op.REDUCE, op.MARK);
    const padded = Buffer.concat([payload, Buffer.alloc(261 - payload.length, 'N')]);
    const stream = asm(
      op.proto(5), op.NONE, op.unicode('a'.repeat(8192 * 16 - 17)), op.POP, op.MARK, op.frame(2),
      [0x42, 0x07, 0x01, 0x00, 0x00], [0x00, 0x00], padded, op.POP_MARK, op.STOP,
    );
    const r = await scan(stream);
    expect(rulesOf(r)).toContain('pickle/frame-divergence');
  });
});

describe('every pickle in the stream', () => {
  const benign = asm(op.proto(2), op.EMPTY_LIST, op.STOP);
  const evil = callPickle('posix', 'system', 'id', 4);

  it('concatenated pickles: the second one is analysed (threat A12)', async () => {
    const r = await scan(Buffer.concat([benign, evil]));
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });

  it('a pickle after a STOP that breaks after its calls keeps how it made them (a computed import)', async () => {
    // str('os') and str('system') make the names: a dynamic import, then the stream breaks on a bad opcode.
    const computed = asm(
      op.proto(4), op.global('builtins', 'str'), op.sbu('posix'), op.TUPLE1, op.REDUCE,
      op.global('builtins', 'str'), op.sbu('system'), op.TUPLE1, op.REDUCE, op.STACK_GLOBAL,
      op.sbu('id'), op.TUPLE1, op.REDUCE, [0xff],
    );
    const second = await scan(Buffer.concat([benign, computed]));
    const dynamic = second.findings.find((f) => f.rule === 'pickle/dynamic-global');
    expect(dynamic?.severity).toBe('HIGH');
    expect(dynamic?.description).toMatch(/after a pickle ends/);
    // The same bytes as noise in the search (not right after a STOP) are not findings.
    const searched = await scan(Buffer.concat([benign, Buffer.from([0xff]), computed]));
    expect(searched.findings.filter((f) => f.rule === 'pickle/dynamic-global')).toEqual([]);
  });

  it('the search charges text lines more than binary opcodes, and one budget serves every member of a file', async () => {
    const limits = (maxSearchOpcodes: number): Limits => ({ ...DEFAULT_LIMITS, pickle: { ...DEFAULT_LIMITS.pickle, maxSearchOpcodes } });
    const searchErrors = (r: ScanResult) => r.errors.filter((e) => /search for hidden pickles|for hidden pickles took/.test(e.message));
    // 200 runs, each an INT line then a bad opcode: 400 opcodes, or 2,000 with the line charge of 8.
    const lines = Buffer.from('I 1\n\xff'.repeat(200), 'latin1');
    expect(searchErrors(await scanBytes(Buffer.concat([benign, lines]), 'x.pkl', { limits: limits(3000) }))).toEqual([]);
    expect(searchErrors(await scanBytes(Buffer.concat([benign, lines]), 'x.pkl', { limits: limits(1000) }))).toHaveLength(1);
    // Three members that each fit the budget alone do not fit it together: the later ones say so.
    const zip = buildZip(['a', 'b', 'c'].map((n) => ({ name: `${n}.pkl`, data: Buffer.concat([benign, lines]) })));
    const r = await scanBytes(zip, 'x.zip', { limits: limits(5000) });
    expect(searchErrors(r).map((e) => e.message).join('\n')).toMatch(/used up this file's budget of 5000 opcodes/);
    expect(r.findings).toEqual([]);
  });

  it('junk between pickles: one byte, 300 bytes', async () => {
    for (const junk of [Buffer.from([0xff]), Buffer.alloc(300, 0xfe)]) {
      const r = await scan(Buffer.concat([benign, junk, evil]));
      expect(finding(r, 'posix.system')?.use, `${junk.length} junk bytes`).toBe('called');
    }
  });

  it('a pickle hidden 3 MiB into random bytes is found', async () => {
    const rnd = mulberry32(7);
    const noise = Buffer.from(Array.from({ length: 3.5 * (1 << 20) }, () => Math.floor(rnd() * 256)));
    const r = await scan(Buffer.concat([benign, noise.subarray(0, 3 << 20), evil, noise.subarray(3 << 20)]));
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });

  it('a pickle hidden across the 1 MiB boundary of the search, at every alignment, is found', async () => {
    // Zeros cannot start a pickle, so the search passes over them quickly to the hidden one.
    for (let k = 1; k <= evil.length; k++) {
      const before = Buffer.alloc((1 << 20) - benign.length - k);
      const r = await scan(Buffer.concat([benign, before, evil, Buffer.alloc(64)]));
      expect(finding(r, 'posix.system')?.use, `${k} bytes before the boundary`).toBe('called');
    }
  });

  it('a payload followed by garbage: finding kept, error added (threat A9)', async () => {
    const r = await scan(Buffer.from("cbuiltins\nprint\n(S'x'\ntR\xff", 'latin1'));
    expect(finding(r, 'builtins.print')?.use).toBe('called');
    expect(r.errors.length).toBeGreaterThan(0);
  });

  it('a payload with no STOP: finding kept, truncation error', async () => {
    const r = await scan(asm(op.proto(2), op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE));
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors.map((e) => e.message).join()).toMatch(/truncated/);
  });

  it('a clean pickle followed by a newline is clean', async () => {
    expectClean(await scan(Buffer.concat([benign, Buffer.from('\n')])));
  });
});

describe('nested loaders', () => {
  const inner = callPickle('posix', 'system', 'id', 4);

  it('pickle.loads(bytes) analyses the bytes; the loader and the payload are findings (threat A13)', async () => {
    const r = await scan(asm(op.proto(4), op.global('pickle', 'loads'), op.binbytes(inner), op.TUPLE1, op.REDUCE, op.STOP));
    expect(finding(r, 'pickle.loads')?.severity).toBe('CRITICAL');
    const nested = finding(r, 'posix.system')!;
    expect(nested.location?.member).toMatch(/^payload@\d+$/);
  });

  it('protocol 2 bytes (_codecs.encode(str, "latin1")) are followed too', async () => {
    const r = await scan(
      asm(op.proto(2), op.global('_pickle', 'loads'), op.global('_codecs', 'encode'), op.bu(inner.toString('latin1')), op.bu('latin1'), op.TUPLE2, op.REDUCE, op.TUPLE1, op.REDUCE, op.STOP),
    );
    expect(finding(r, 'posix.system')?.location?.member).toMatch(/^payload@/);
  });

  it('torch.storage._load_from_bytes of a clean payload is clean, of a malicious one is a nested-loader finding', async () => {
    const clean = asm(op.proto(2), op.EMPTY_DICT, op.STOP);
    const wrap = (payload: Buffer) => asm(op.proto(2), op.global('torch.storage', '_load_from_bytes'), op.binbytes(payload), op.TUPLE1, op.REDUCE, op.STOP);
    expectClean(await scan(wrap(clean)));
    const r = await scan(wrap(inner));
    expect(rulesOf(r)).toContain('pickle/nested-loader');
    expect(globalsOf(r)).toContain('posix.system');
  });

  it('torch.storage._load_from_bytes of a computed payload is a nested-loader finding', async () => {
    const r = await scan(
      asm(op.proto(2), op.global('torch.storage', '_load_from_bytes'), op.global('base64', 'b64decode'), op.bu('AAAA'), op.TUPLE1, op.REDUCE, op.TUPLE1, op.REDUCE, op.STOP),
    );
    expect(rulesOf(r)).toContain('pickle/nested-loader');
  });
});

describe('bounds', () => {
  it('a huge declared BINBYTES8 is a truncation error, never an allocation (threat A25)', async () => {
    const r = await scan(asm(op.proto(4), op.binbytes8Header(2n ** 62n), op.STOP));
    expect(r.errors.map((e) => e.message).join()).toMatch(/truncated/);
  });

  it('a large payload is skipped, not read, and the pickle after it is still analysed', async () => {
    const big = Buffer.alloc(8 << 20, 0x41);
    const r = await scan(asm(op.proto(4), op.binbytes(big), op.POP, op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });

  it('deep MARK nesting ends in a limit error, not a crash', async () => {
    const r = await scan(asm(op.proto(2), Buffer.alloc(200_000, 0x28), op.NONE, op.STOP));
    expect(r.errors.some((e) => e.kind === 'limit')).toBe(true);
  });

  it('a million opcodes before the payload: the payload is still found (threat A25/F57)', async () => {
    const r = await scan(asm(op.proto(2), Buffer.from('N0'.repeat(1_000_000), 'latin1'), op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('called');
  });
});

describe('each way a run stops names its cause, at the opcode where CPython raises, after what already ran', () => {
  const call = asm(op.proto(2), op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE, op.POP);
  const le = (bytes: number, n: number | bigint) => {
    const b = Buffer.alloc(bytes);
    if (bytes === 8) b.writeBigUInt64LE(BigInt(n));
    else b.writeInt32LE(Number(n));
    return b;
  };
  // [what, the bytes after the call, the message, where the failing opcode starts in those bytes (default 0)]
  const cases: [string, Buffer, RegExp, number?][] = [
    ['an invalid opcode', Buffer.from([0xff]), /invalid load key, '\\xff'/],
    ['PROTO beyond the highest protocol', Buffer.from([0x80, 9]), /unsupported pickle protocol: 9/],
    ['a GLOBAL module line that is not UTF-8', Buffer.from('c\xff\xfe\nx\n', 'latin1'), /GLOBAL module is not valid UTF-8/],
    ['an empty GLOBAL module line', Buffer.from('c\nx\n', 'latin1'), /empty GLOBAL module line/],
    ['a GLOBAL module that cannot be imported', Buffer.from('c1bad\nx\n', 'latin1'), /No module named "1bad"/],
    // CPython's strict UTF-8 decoding keeps a byte-order mark: "\ufeffos" is no module (a TextDecoder drops it).
    ['a GLOBAL module behind a byte-order mark', Buffer.from('c\xef\xbb\xbfos\nsystem\n', 'latin1'), /No module named "\ufeffos"/],
    ['an INST class line that is not UTF-8', Buffer.from('(ios\n\xc0\x80\n', 'latin1'), /INST class is not valid UTF-8/, 1],
    ['a negative BINSTRING length', Buffer.concat([Buffer.from('T'), le(4, -1)]), /BINSTRING pickle has negative byte count/],
    ['a negative LONG4 length', Buffer.concat([Buffer.from([0x8b]), le(4, -1)]), /LONG pickle has negative byte count/],
    ['a BINUNICODE longer than the data', Buffer.concat([Buffer.from('X'), le(4, 1000), Buffer.from('ab')]), /truncated inside BINUNICODE at/],
    ['a BINUNICODE8 longer than the data', Buffer.concat([Buffer.from([0x8d]), le(8, 2n ** 62n)]), /truncated inside BINUNICODE8/],
    ['a FRAME longer than the data', Buffer.concat([Buffer.from([0x95]), le(8, 2n ** 40n)]), /truncated inside FRAME/],
    ['an unquoted STRING', Buffer.from('Sabc\n', 'latin1'), /must be quoted/],
    ['a FLOAT that does not parse', Buffer.from('Fnope\n', 'latin1'), /could not convert string to float/],
    ['an INT that does not parse', Buffer.from('Izz\n', 'latin1'), /invalid literal for int\(\)/],
  ];
  for (const [what, tail, message, at = 0] of cases) {
    it(what, async () => {
      const r = await scan(asm(call, tail));
      expect(finding(r, 'posix.system')?.use).toBe('called');
      const first = r.errors[0];
      expect(first?.message).toMatch(message);
      expect(first?.offset).toBe(call.length + at);
    });
  }
});

describe('the dispatch loop reading from its window, and the memo in chunks', () => {
  const call = asm(op.global('posix', 'system'), op.bu('id'), op.TUPLE1, op.REDUCE);
  const int32 = (n: number) => {
    const b = Buffer.alloc(5);
    b[0] = 0x4a;
    b.writeInt32LE(n, 1);
    return b;
  };
  const longMemo = (code: number, n: number) => {
    const b = Buffer.alloc(5);
    b[0] = code;
    b.writeUInt32LE(n, 1);
    return b;
  };

  it('an argument cut off by the end of the data is a truncation error, after what already ran', async () => {
    for (const cut of [int32(7).subarray(0, 3), Buffer.from([0x6a, 0, 0]), Buffer.from([0x58, 5, 0, 0, 0, 0x41]), Buffer.from([0x8c])]) {
      const r = await scan(asm(op.proto(2), call, cut));
      expect(finding(r, 'posix.system')?.use).toBe('called');
      expect(r.errors.map((e) => e.message).join()).toMatch(/truncated/);
    }
  });

  it('opcodes and payloads straddling the read window are read whole, wherever the window ends', async () => {
    // Small ints and strings past the 1 MiB window, shifted byte by byte so that every kind of opcode
    // meets the window's end at every position of its argument.
    const unit = asm(int32(70_000), op.POP, op.sbu('abc'), op.POP, op.binint1(3), op.POP, op.bu('x'.repeat(300)), op.POP);
    const body = Buffer.concat(Array.from({ length: Math.ceil((1 << 20) / unit.length) + 2 }, () => unit));
    for (let shift = 0; shift < 8; shift++) {
      const r = await scan(asm(op.proto(2), Buffer.from('N0'.repeat(shift), 'latin1'), body, call, op.STOP));
      expect(finding(r, 'posix.system')?.use, `shift ${shift}`).toBe('called');
      expect(r.errors, `shift ${shift}`).toEqual([]);
    }
  });

  it('a string longer than the window is skipped and the opcodes after it are read', async () => {
    const r = await scan(asm(op.proto(2), op.bu('y'.repeat((1 << 20) + 3)), op.POP, call, op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors).toEqual([]);
  });

  it('an index stored far away is found again once the memo has grown past it, and counted once', async () => {
    // memo[5000] = 'posix' (beyond the memo's storage then); 4998 MEMOIZEs fill 1..4998 and 'system' lands at
    // len(memo) = 4999; GET 5000, GET 4999 is posix.system. len(memo) is now 5000, so the next MEMOIZE
    // replaces entry 5000 and, len(memo) staying 5000, so does the one after it: 5001 stays empty.
    const r = await scan(
      asm(
        op.proto(4), op.sbu('posix'), longMemo(0x72, 5000), op.POP,
        Buffer.from(Array.from({ length: 4998 }, () => [0x4e, 0x94, 0x30]).flat()),
        op.sbu('system'), op.MEMOIZE, op.POP,
        longMemo(0x6a, 5000), longMemo(0x6a, 4999), op.STACK_GLOBAL, op.bu('id'), op.TUPLE1, op.REDUCE, op.POP,
        op.NONE, op.MEMOIZE, op.POP, op.NONE, op.MEMOIZE, op.POP, longMemo(0x6a, 5001), op.STOP,
      ),
    );
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors.map((e) => e.message).join()).toMatch(/Memo value not found at index 5001/);
  });

  it('every kind of value comes back from the memo as it went in', async () => {
    // A global, an argument tuple, shared constants and strings, each memoised then fetched back for the call.
    const r = await scan(
      asm(
        op.proto(4), op.global('posix', 'system'), op.MEMOIZE, op.POP, op.bu('id'), op.TUPLE1, op.MEMOIZE, op.POP,
        op.EMPTY_DICT, op.MEMOIZE, op.EMPTY_LIST, op.MEMOIZE, op.NONE, op.MEMOIZE, op.EMPTY_TUPLE, op.MEMOIZE,
        op.POP, op.POP, op.POP, op.POP, op.binget(0), op.binget(1), op.REDUCE, op.POP,
        op.binget(2), op.binget(5), op.sbu('k'), op.SETITEM, op.POP, op.binget(3), op.binget(4), op.APPEND, op.STOP,
      ),
    );
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors).toEqual([]);
    expect(r.findings.length).toBe(1);
  });

  it('strings deep in the stack keep their values under hundreds of ints and strings', async () => {
    // 'posix' and 'system' sit under 600 large ints and located strings; after POP_MARK they are the stack's
    // top again, for STACK_GLOBAL.
    const filler = Buffer.concat(Array.from({ length: 300 }, (_, k) => Buffer.concat([int32(70_000 + k), op.sbu(`s${k}`)])));
    const r = await scan(asm(op.proto(4), op.sbu('posix'), op.sbu('system'), op.MARK, filler, op.POP_MARK, op.STACK_GLOBAL, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP));
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors).toEqual([]);
  });

  it('a string memoised straight from the stack comes back as the same text, also after the stack moved on', async () => {
    const r = await scan(
      asm(
        op.proto(4), op.sbu('posix'), op.MEMOIZE, op.POP, op.bu('system'), op.binput(7), op.POP, int32(123_456), op.MEMOIZE, op.POP,
        op.MARK, Buffer.concat(Array.from({ length: 300 }, () => op.sbu('noise'))), op.POP_MARK,
        op.binget(0), op.binget(7), op.STACK_GLOBAL, op.bu('id'), op.TUPLE1, op.REDUCE, op.STOP,
      ),
    );
    expect(finding(r, 'posix.system')?.use).toBe('called');
    expect(r.errors).toEqual([]);
  });

  it('a BINPUT whose argument lies past the end of its FRAME is a frame divergence', async () => {
    const r = await scan(asm(op.proto(4), op.frame(2), op.NONE, op.binput(0), op.STOP));
    expect(rulesOf(r)).toContain('pickle/frame-divergence');
    const twin = await scan(asm(op.proto(4), op.frame(4), op.NONE, op.binput(0), op.STOP));
    expectClean(twin);
  });
});

describe('getattr, as protocols 0-2 pickle methods', () => {
  const getattrCall = (owner: Buffer, name: Buffer) => asm(op.proto(2), op.global('__builtin__', 'getattr'), owner, name, op.TUPLE2, op.REDUCE);

  it('getattr(Class, "name") is the import Class.name: a dangerous method is reported as itself', async () => {
    const r = await scan(asm(getattrCall(op.global('bdb', 'Bdb'), op.bu('run')), op.EMPTY_TUPLE, op.REDUCE, op.STOP));
    expect(finding(r, 'bdb.Bdb.run')?.use).toBe('called');
    expect(globalsOf(r)).not.toContain('builtins.getattr');
  });

  it('getattr(Class, "name") of an allowed method is clean (zoneinfo pickles itself this way)', async () => {
    expectClean(await scan(asm(getattrCall(op.global('zoneinfo', 'ZoneInfo'), op.bu('_unpickle')), op.bu('UTC'), op.binint1(1), op.TUPLE2, op.REDUCE, op.STOP)));
  });

  it('getattr on an object the stream built is getattr itself: its attributes may have been set by BUILD', async () => {
    const instance = asm(op.global('collections', 'OrderedDict'), op.EMPTY_TUPLE, op.REDUCE);
    const r = await scan(asm(getattrCall(instance, op.bu('anything')), op.STOP));
    expect(finding(r, 'builtins.getattr')?.severity).toBe('CRITICAL');
  });

  it('getattr with a computed name is getattr itself', async () => {
    const computed = asm(op.global('base64', 'b64decode'), op.bu('c3lzdGVt'), op.TUPLE1, op.REDUCE);
    const r = await scan(asm(getattrCall(op.global('posix', 'stat'), computed), op.STOP));
    expect(finding(r, 'builtins.getattr')?.severity).toBe('CRITICAL');
  });
});
