/**
 * joblib writes numpy arrays into the pickle stream itself: the pickler saves a NumpyArrayWrapper (BUILD with
 * its state: subclass, shape, order, dtype, allow_mmap, numpy_array_alignment_bytes) and then writes the
 * array straight to the file. joblib's NumpyUnpickler.load_build does the reverse: after BUILD of a wrapper it
 * calls wrapper.read(), which (joblib/numpy_pickle.py, read_array):
 *   - for a dtype with objects: pickle.load(file) — a whole pickle of its own, inline;
 *   - otherwise: when numpy_array_alignment_bytes is set, one byte giving a padding length, that many
 *     padding bytes (0xFF), then product(shape) × itemsize raw bytes.
 * The analysis does exactly that, so the opcodes after the array are read where joblib reads them.
 */
import type { ByteSource } from '../../io/byte-source.js';
import type { GlobalRecord } from '../pickle/records.js';
import { COPYREG_NEWOBJ, type DetailedObject, type Value } from '../pickle/values.js';
import type { InlineData, VmHooks } from '../pickle/vm.js';

/**
 * Classes by their full dotted path: protocol 4 resolves `joblib` + `numpy_pickle.NumpyArrayWrapper` (and
 * getattr(joblib, 'numpy_pickle.…') is the same import) to the class `joblib.numpy_pickle` + `NumpyArrayWrapper` names.
 */
const WRAPPERS = new Set(['joblib.numpy_pickle.NumpyArrayWrapper', 'sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper']);
const DTYPES = new Set(['numpy.dtype', 'numpy.core.multiarray.dtype', 'numpy._core.multiarray.dtype']);

const path = (rec: GlobalRecord) => `${rec.module}.${rec.name}`;

/**
 * Callables that return an instance of the class given as their first argument, and the arguments its
 * `__new__` gets: copyreg.__newobj__(cls, *args) and __newobj_ex__(cls, args, kwargs) (protocol 2+ reduce
 * helpers), any
 * `T.__new__(cls, *args)` (object.__new__, NumpyArrayWrapper.__new__, reached by name or getattr), and
 * sklearn's Cython newObj(cls). joblib tests the BUILD result with isinstance, so each of these makes an
 * array wrapper as much as calling the class does (NEWOBJ, NEWOBJ_EX, OBJ, INST, REDUCE of it).
 * copyreg._reconstructor(cls, object, None), which protocols 0-1 write for every instance, is not here: the VM
 * keeps its object as a `cls` when keepsDetails(cls) (so protocol 0-1 pickles do not keep details of all).
 */
const CREATORS = new Map<string, (args: readonly Value[]) => readonly Value[]>([
  ...[...COPYREG_NEWOBJ].map(([name, newArgs]) => [`copyreg.${name}`, newArgs] as const),
  ['sklearn.metrics._dist_metrics.newObj', () => []],
  ['sklearn.neighbors._ball_tree.newObj', () => []],
  ['sklearn.neighbors._kd_tree.newObj', () => []],
]);
const NEW = (a: readonly Value[]) => a.slice(1);

function creator(rec: GlobalRecord): ((args: readonly Value[]) => readonly Value[]) | undefined {
  return rec.name.endsWith('__new__') && (rec.name === '__new__' || rec.name.endsWith('.__new__')) ? NEW : CREATORS.get(path(rec));
}

/** The class an object kept by keepsDetails is an instance of, and the arguments its constructor got. */
export function instanceOf(v: DetailedObject): { cls: GlobalRecord; args: readonly Value[] } | null {
  const make = creator(v.origin);
  if (!make) return { cls: v.origin, args: v.args };
  const cls = v.args[0];
  return cls?.kind === 'global' ? { cls: cls.record, args: make(v.args) } : null;
}

export interface DtypeInfo {
  itemsize: number;
  hasObject: boolean;
}

/**
 * What numpy rebuilds from `dtype(str, align, copy)` + BUILD state (arraydescr_setstate): the string gives
 * kind and size; for the sized kinds (V, S, U) state[5] overrides the size, and a version-3 state's flags
 * (state[7], bit 0 = NPY_ITEM_HASOBJECT) say whether it holds objects. Nested dtypes (fields, sub-arrays)
 * holding objects count too, conservatively.
 */
export function dtypeInfo(v: Value, text: (v: Value) => string | null, depth = 0): DtypeInfo | string {
  if (depth > 16) return 'dtype nested too deeply';
  if (v.kind !== 'object' || !('args' in v)) return 'dtype is not a numpy.dtype';
  const made = instanceOf(v);
  if (!made || !DTYPES.has(path(made.cls))) return 'dtype is not a numpy.dtype';
  const spec = made.args[0] ? text(made.args[0]) : null;
  if (spec === null) return 'dtype string is not a constant';
  const m = /^[<>|=]?([?bBhHiIlLqQpPefdgFDGOSUVMmcua])(\d*)(\[[a-zA-Z0-9]+\])?$/.exec(spec);
  if (!m) return `dtype ${JSON.stringify(spec.slice(0, 20))} is not one numpy pickles`;
  const kind = m[1]!;
  let itemsize = m[2] ? Number(m[2]) : (CHAR_SIZES[kind] ?? 0);
  if (kind === 'U') itemsize *= 4;
  let hasObject = kind === 'O';
  const state = v.state;
  if (state?.kind === 'tuple' && state.items.length >= 6) {
    const elsize = state.items[5]!;
    if ('SUV'.includes(kind)) {
      if (elsize.kind !== 'scalar' || elsize.type !== 'int' || elsize.value === undefined) return 'dtype size in its state is not a constant';
      if (elsize.value >= 0) itemsize = elsize.value;
    }
    const flags = state.items[7];
    if (flags?.kind === 'scalar' && flags.type === 'int' && flags.value !== undefined && (flags.value & 1) === 1) hasObject = true;
    if (kind === 'V' && (flags?.kind !== 'scalar' || flags.type !== 'int' || flags.value === undefined)) return 'structured dtype flags are not a constant';
    // Sub-array base dtype (state[2]) and field dtypes are objects of their own.
    for (const nested of dtypesIn(state.items[2])) {
      const n = dtypeInfo(nested, text, depth + 1);
      if (typeof n === 'string' || n.hasObject) hasObject = true;
    }
  } else if (kind === 'V') {
    return 'structured dtype without its state';
  }
  if (!Number.isSafeInteger(itemsize) || itemsize < 0) return 'dtype size out of range';
  return { itemsize, hasObject };
}

function dtypesIn(v: Value | undefined): Value[] {
  if (!v) return [];
  if (v.kind === 'object' && 'args' in v) return [v];
  if (v.kind === 'tuple') return v.items.flatMap((i) => dtypesIn(i));
  return [];
}

const CHAR_SIZES: Record<string, number> = {
  '?': 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, p: 8, P: 8, e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32, O: 8, c: 1, M: 8, m: 8,
};

function intOf(v: Value | undefined): number | null {
  return v?.kind === 'scalar' && v.type === 'int' && v.value !== undefined ? v.value : null;
}

/** Where the loader's file position is after the array that follows BUILD of `wrapper`, or why that is unknown. */
export function arrayAfterWrapper(wrapper: DetailedObject, pos: number, src: ByteSource, text: (v: Value) => string | null): InlineData | null {
  const made = instanceOf(wrapper);
  if (!made || !WRAPPERS.has(path(made.cls))) return null;
  const state = wrapper.state;
  const bad = (why: string): InlineData => ({ kind: 'error', message: `joblib array at byte ${pos} cannot be located exactly: ${why}` });
  if (state?.kind !== 'container' || !('items' in state)) return bad('the NumpyArrayWrapper state is not a dict');
  const shape = state.items.get('shape');
  const dtype = state.items.get('dtype');
  if (!shape || shape.kind !== 'tuple' || shape.truncated) return bad('shape is not a short tuple');
  if (!dtype) return bad('no dtype');
  const info = dtypeInfo(dtype, text);
  if (typeof info === 'string') return bad(info);
  if (info.hasObject) return { kind: 'pickle', at: pos };
  let count = 1n;
  for (const d of shape.items) {
    const n = intOf(d);
    if (n === null || n < 0) return bad('shape has a dimension that is not a constant non-negative int');
    count *= BigInt(n);
  }
  let at = pos;
  const align = state.items.get('numpy_array_alignment_bytes');
  if (align !== undefined && !(align.kind === 'scalar' && align.type === 'none')) {
    const b = src.read(at, 1);
    if (b.length < 1) return bad('the file ends before the padding byte');
    at += 1 + b[0]!;
  }
  const end = BigInt(at) + count * BigInt(info.itemsize);
  if (end > BigInt(src.size)) return bad(`the array (${count} items of ${info.itemsize} bytes) reaches past the end of the file`);
  return { kind: 'skip', to: Number(end) };
}

/** The last dotted part of each kept class or creator: the cheap first test of keepsDetails. */
const LAST_NAMES = new Set([...WRAPPERS, ...DTYPES, ...CREATORS.keys()].map((p) => p.slice(p.lastIndexOf('.') + 1)));

export const joblibHooks: VmHooks = {
  // Called for every call of a global: the last-name test first keeps the common case to one lookup.
  keepsDetails: (rec) => {
    const last = rec.name.slice(rec.name.lastIndexOf('.') + 1);
    if (last === '__new__') return true;
    if (!LAST_NAMES.has(last)) return false;
    const p = path(rec);
    return WRAPPERS.has(p) || DTYPES.has(p) || CREATORS.has(p);
  },
  afterBuild: arrayAfterWrapper,
};
