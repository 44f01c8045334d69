/**
 * joblib's raw arrays inside the pickle stream: skipped exactly as NumpyUnpickler reads them, so opcodes after
 * them are analysed; a wrapper that lies about its size is an error, never a silent skip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import { asm, op } from '../helpers/pickle-asm.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'containers');
const read = (p: string) => readFileSync(join(FIX, p));
/** No search for pickles in junk: whatever is found must be found by reading the stream as joblib does. */
const STRICT: Limits = { ...DEFAULT_LIMITS, pickle: { ...DEFAULT_LIMITS.pickle, maxJunkSearch: 0 } };

describe('joblib arrays', () => {
  it('reads a numeric-array file end to end without junk search', async () => {
    for (const f of ['benign/joblib/logreg.joblib', 'benign/joblib/arrays.joblib']) {
      const r = await scanBytes(read(f), 'm.joblib', { limits: STRICT });
      expect(r.findings, f).toEqual([]);
      expect(r.errors, f).toEqual([]);
    }
  });

  it('finds the payload after the raw bytes of an array as a regular (not hidden) finding', async () => {
    const r = await scanBytes(read('malicious/joblib/payload_after_array.joblib'), 'm.joblib', { limits: STRICT });
    const f = r.findings.find((x) => x.operator === 'system');
    expect(f).toBeDefined();
    expect(f!.description).not.toMatch(/after a pickle ends/);
  });

  it('analyses the inline pickle of an object array', async () => {
    const r = await scanBytes(read('malicious/joblib/object_array.joblib'), 'm.joblib', { limits: STRICT });
    expect(r.findings.some((x) => x.operator === 'system')).toBe(true);
  });

  it('is an error when the wrapper declares an array past the end of the file', async () => {
    const data = Buffer.from(read('benign/joblib/arrays.joblib'));
    // The 1000-element float64 array: shape (1000,) is written as BININT2 0x03e8; make it 0xffff * … larger.
    const at = data.indexOf(Buffer.from([0x4d, 0xe8, 0x03]));
    expect(at).toBeGreaterThan(0);
    data[at + 2] = 0xff;
    const r = await scanBytes(data, 'm.joblib', { limits: STRICT });
    expect(r.errors.some((e) => /joblib array/.test(e.message))).toBe(true);
  });
});

describe('a wrapper whose "array bytes" are opcodes for plain pickle.load', () => {
  const wrapper = (payload: Buffer, alignment: boolean) =>
    asm(
      op.proto(2),
      op.global('joblib.numpy_pickle', 'NumpyArrayWrapper'), op.EMPTY_TUPLE, op.NEWOBJ,
      op.EMPTY_DICT, op.MARK,
      op.sbu('shape'), op.binint1(payload.length), op.TUPLE1,
      op.sbu('dtype'), op.global('numpy', 'dtype'), op.sbu('u1'), [0x89, 0x88], op.TUPLE3, op.REDUCE,
      op.MARK, op.binint1(3), op.sbu('|'), op.NONE, op.NONE, op.NONE, op.binint1(1), op.binint1(1), op.binint1(0), op.TUPLE, op.BUILD,
      op.sbu('numpy_array_alignment_bytes'), alignment ? op.binint1(16) : op.NONE,
      op.SETITEMS, op.BUILD,
      alignment ? Buffer.from([0]) : Buffer.alloc(0),
      payload,
      op.STOP,
    );
  const payload = asm(op.global('os', 'system'), op.MARK, op.string('echo x'), op.TUPLE, op.REDUCE, op.POP);

  it('joblib skips them, and the payload pickle.load would run there is still found', async () => {
    const r = await scanBytes(wrapper(payload, false), 'x.pkl', { limits: STRICT });
    expect(r.findings.some((f) => f.module === 'os' && f.operator === 'system')).toBe(true);
  });

  it('a payload there that uses the stack and memo as pickle.load has them is found (a fresh start there breaks)', async () => {
    // POP drops the wrapper; the names come from memo entries written before it. Started afresh at the skipped
    // offset, POP underflows; read on by pickle.load, it calls posix.system.
    const names = asm(op.sbu('posix'), op.binput(7), op.sbu('system'), op.binput(8), op.POP, op.POP);
    const inMemo = asm(op.POP, op.binget(7), op.binget(8), op.STACK_GLOBAL, op.sbu('echo x'), op.TUPLE1, op.REDUCE);
    const data = wrapper(inMemo, false);
    const file = Buffer.concat([data.subarray(0, 2), names, data.subarray(2)]);
    const r = await scanBytes(file, 'x.pkl', { limits: STRICT });
    const f = r.findings.find((x) => x.module === 'posix' && x.operator === 'system');
    expect(f?.severity).toBe('CRITICAL');
    expect(f?.description).toMatch(/joblib skips as array data/);
  });

  it('a payload there that computes its names (str() calls, then STACK_GLOBAL) is a dynamic import', async () => {
    const computed = asm(
      op.global('builtins', 'str'), op.sbu('posix'), op.TUPLE1, op.REDUCE,
      op.global('builtins', 'str'), op.sbu('system'), op.TUPLE1, op.REDUCE, op.STACK_GLOBAL,
      op.sbu('echo x'), op.TUPLE1, op.REDUCE, op.POP,
    );
    const r = await scanBytes(wrapper(computed, false), 'x.pkl', { limits: STRICT });
    const f = r.findings.find((x) => x.rule === 'pickle/dynamic-global');
    expect(f?.severity).toBe('HIGH');
    expect(f?.description).toMatch(/joblib skips as array data/);
  });

  it('real array bytes there are not findings', async () => {
    const r = await scanBytes(wrapper(Buffer.alloc(payload.length, 0x3f), true), 'x.pkl', { limits: STRICT });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});

describe('a wrapper made by any call that makes a NumpyArrayWrapper', () => {
  // Five "array bytes" that plain opcode reading takes for a BINBYTES header swallowing the payload after them:
  // found only if the analysis knows the wrapper and skips the five bytes as joblib does.
  const payload = asm(op.sbu('posix'), op.sbu('system'), op.STACK_GLOBAL, op.sbu('echo x'), op.TUPLE1, op.REDUCE, op.POP);
  const dtype = (make = asm(op.global('numpy', 'dtype'), op.sbu('u1'), [0x89, 0x88], op.TUPLE3, op.REDUCE)) =>
    asm(make, op.MARK, op.binint1(3), op.sbu('|'), op.NONE, op.NONE, op.NONE, op.binint1(1), op.binint1(1), op.binint1(0), op.TUPLE, op.BUILD);
  const file = (make: Buffer, dt = dtype()) =>
    asm(
      op.proto(4),
      make,
      op.EMPTY_DICT, op.MARK,
      op.sbu('shape'), op.binint1(5), op.TUPLE1,
      op.sbu('order'), op.sbu('C'),
      op.sbu('dtype'), dt,
      op.sbu('allow_mmap'), [0x89],
      op.SETITEMS, op.BUILD,
      [0x42], [payload.length, 0, 0, 0],
      payload,
      op.STOP,
    );
  const W = () => op.global('joblib.numpy_pickle', 'NumpyArrayWrapper');
  const shapes: Array<[string, Buffer]> = [
    ['REDUCE of the class', asm(W(), op.EMPTY_TUPLE, op.REDUCE)],
    ['NEWOBJ', asm(W(), op.EMPTY_TUPLE, op.NEWOBJ)],
    ['NEWOBJ_EX', asm(W(), op.EMPTY_TUPLE, op.EMPTY_DICT, op.NEWOBJ_EX)],
    ['OBJ', asm(op.MARK, W(), op.OBJ)],
    ['INST', asm(op.MARK, op.inst('joblib.numpy_pickle', 'NumpyArrayWrapper'))],
    ['copyreg.__newobj__(cls)', asm(op.global('copyreg', '__newobj__'), W(), op.TUPLE1, op.REDUCE)],
    ['copyreg.__newobj_ex__(cls, (), {})', asm(op.global('copyreg', '__newobj_ex__'), W(), op.EMPTY_TUPLE, op.EMPTY_DICT, op.TUPLE3, op.REDUCE)],
    ['copyreg._reconstructor(cls, object, None)', asm(op.global('copyreg', '_reconstructor'), W(), op.global('builtins', 'object'), op.NONE, op.TUPLE3, op.REDUCE)],
    ['object.__new__(cls)', asm(op.sbu('builtins'), op.sbu('object.__new__'), op.STACK_GLOBAL, W(), op.TUPLE1, op.REDUCE)],
    ['NumpyArrayWrapper.__new__(cls)', asm(op.global('joblib.numpy_pickle', 'NumpyArrayWrapper.__new__'), W(), op.TUPLE1, op.REDUCE)],
    ['the class by its dotted name', asm(op.sbu('joblib'), op.sbu('numpy_pickle.NumpyArrayWrapper'), op.STACK_GLOBAL, op.EMPTY_TUPLE, op.NEWOBJ)],
    ['the class from the memo', asm(W(), op.MEMOIZE, op.POP, op.global('copyreg', '__newobj__'), op.binget(0), op.TUPLE1, op.REDUCE)],
  ];

  for (const [name, make] of shapes) {
    it(`${name}: joblib reads the array, and the opcodes after it are analysed`, async () => {
      const r = await scanBytes(file(make), 'x.joblib', { limits: STRICT });
      expect(r.errors).toEqual([]);
      expect(r.findings.some((f) => f.module === 'posix' && f.operator === 'system')).toBe(true);
    });
  }

  // Calling a partial returns what calling its target returns: here the wrapper with its details.
  it('functools.partial(cls)(): joblib reads the array, and the opcodes after it are analysed', async () => {
    const make = asm(op.global('functools', 'partial'), W(), op.TUPLE1, op.REDUCE, op.EMPTY_TUPLE, op.REDUCE);
    const r = await scanBytes(file(make), 'x.joblib', { limits: STRICT });
    expect(r.errors).toEqual([]);
    expect(r.findings.some((f) => f.module === 'posix' && f.operator === 'system')).toBe(true);
  });

  it('a dtype made by copyreg.__newobj__(numpy.dtype, "u1", False, True) gives the item size', async () => {
    const dt = dtype(asm(op.global('copyreg', '__newobj__'), op.MARK, op.global('numpy', 'dtype'), op.sbu('u1'), [0x89, 0x88], op.TUPLE, op.REDUCE));
    const data = file(asm(op.global('copyreg', '__newobj__'), W(), op.TUPLE1, op.REDUCE), dt);
    const r = await scanBytes(data, 'x.joblib', { limits: STRICT });
    expect(r.errors).toEqual([]);
    expect(r.findings.some((f) => f.module === 'posix' && f.operator === 'system')).toBe(true);
  });

  it('real array bytes after a wrapper made by copyreg.__newobj__ are not findings', async () => {
    const make = asm(op.global('copyreg', '__newobj__'), W(), op.TUPLE1, op.REDUCE);
    const data = file(make);
    const at = data.indexOf(Buffer.from([0x42, payload.length, 0, 0, 0]));
    const benign = asm(data.subarray(0, at), Buffer.alloc(5, 0x3f), op.STOP);
    const r = await scanBytes(benign, 'x.joblib', { limits: STRICT });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});

describe('a wrapper BUILD that is not the last opcode of its FRAME', () => {
  /**
   * joblib's NumpyUnpickler is pickle._Unpickler, whose _Unframer has read the whole frame from the file: after
   * BUILD of a wrapper, read_array reads the array from the file at the END of the frame, the opcodes left in
   * the frame run next, and reading goes on from the file after the array. Here the frame ends with NONE POP
   * after BUILD; the 8 array bytes at the frame's end are a BINBYTES header for pickle.load (swallowing what
   * follows) with a STOP where an analysis that skips 8 bytes from BUILD lands; after them, a payload whose
   * names are in the memo (a fresh start there breaks). joblib 1.2.0 runs it (these bytes, with builtins.print for posix.system); pickle.load does not.
   */
  const payloadFile = () => {
    const pre = asm(op.sbu('posix'), op.MEMOIZE, op.POP, op.sbu('system'), op.MEMOIZE, op.POP);
    const wrapper = asm(
      op.sbu('joblib.numpy_pickle'), op.sbu('NumpyArrayWrapper'), op.STACK_GLOBAL, op.EMPTY_TUPLE, op.NEWOBJ,
      op.EMPTY_DICT, op.MARK,
      op.sbu('subclass'), op.sbu('numpy'), op.sbu('ndarray'), op.STACK_GLOBAL,
      op.sbu('shape'), op.binint1(8), op.TUPLE1,
      op.sbu('order'), op.sbu('C'),
      op.sbu('dtype'), op.sbu('numpy'), op.sbu('dtype'), op.STACK_GLOBAL, op.sbu('u1'), [0x89, 0x88], op.TUPLE3, op.REDUCE,
      op.MARK, op.binint1(3), op.sbu('|'), op.NONE, op.NONE, op.NONE, [0x4a, 0xff, 0xff, 0xff, 0xff], [0x4a, 0xff, 0xff, 0xff, 0xff], op.binint1(0), op.TUPLE, op.BUILD,
      op.sbu('allow_mmap'), [0x89],
      op.SETITEMS, op.BUILD,
    );
    const body = asm(pre, wrapper, op.NONE, op.POP);
    const payload = asm(op.binget(0), op.binget(1), op.STACK_GLOBAL, op.sbu('touch /tmp/x'), op.TUPLE1, op.REDUCE, op.POP, op.STOP);
    const array = asm([0x42], [3 + payload.length, 0, 0, 0], 'x.x');
    return asm(op.proto(4), op.frame(body.length), body, array, payload, op.STOP);
  };


  // The VM does not model pickle._Unframer here (joblib reading the array from the frame's end, then the rest
  // of the frame): a wrapper's BUILD that is not the last opcode of its frame is a HIGH frame-divergence.
  it('the payload after the array joblib reads from the end of the frame is found', async () => {
    const r = await scanBytes(payloadFile(), 'x.joblib');
    expect(r.findings.some((f) => (f.module === 'posix' && f.operator === 'system') || f.rule === 'pickle/frame-divergence')).toBe(true);
  });
});
