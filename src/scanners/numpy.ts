/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0; numpy/lib/format.py): the header is a Python dict literal
 * {'descr': …, 'fortran_order': …, 'shape': (…)}. numpy.load reads the array bytes for plain dtypes — then
 * the header is all that matters, and a 1 GiB array costs a few hundred bytes — and unpickles the rest of
 * the file for dtypes holding Python objects ('O', also as a field of a structured dtype or the base of a
 * sub-array): then the pickle after the header is analysed.
 * The literal is parsed by a small bounded parser of its own (strings, numbers, booleans, None, tuples,
 * lists, dicts): never evaluated.
 */
import { SliceSource, type ByteSource } from '../io/byte-source.js';
import type { ScanError } from '../types.js';
import { pickleScanner } from './pickle/index.js';
import { joinMember, type ScanContext, type Scanner, type ScannerOutput } from './scanner.js';

const SCANNER = 'numpy';
const MAGIC = '\x93NUMPY';
/** numpy itself refuses headers above 10,000 bytes unless max_header_size is raised. */
const MAX_HEADER = 1 << 20;

export type Literal = string | number | boolean | null | Literal[] | { tuple: Literal[] } | Map<string, Literal>;

export class LiteralError extends Error {}

/** Parses a Python literal of the kinds np.save writes, with a depth bound. */
export function parseLiteral(text: string): Literal {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const value = (depth: number): Literal => {
    if (depth > 32) throw new LiteralError('nested too deeply');
    ws();
    const c = text[i];
    if (c === undefined) throw new LiteralError('unexpected end');
    if (c === "'" || c === '"') return str();
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: Literal[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new LiteralError(`expected , or ${close} at ${i}`);
      }
      return c === '(' ? { tuple: items } : items;
    }
    if (c === '{') {
      i++;
      const map = new Map<string, Literal>();
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          break;
        }
        const k = value(depth + 1);
        if (typeof k !== 'string') throw new LiteralError('dict key is not a string');
        ws();
        if (text[i++] !== ':') throw new LiteralError(`expected : at ${i - 1}`);
        map.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new LiteralError(`expected , or } at ${i}`);
      }
      return map;
    }
    const m = /^(True|False|None|-?\d+L?)/.exec(text.slice(i, i + 32));
    if (!m) throw new LiteralError(`unexpected ${JSON.stringify(c)} at ${i}`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0].replace('L', ''));
  };
  const str = (): string => {
    const q = text[i++]!;
    let out = '';
    while (i < text.length && text[i] !== q) {
      if (text[i] === '\\') {
        const n = text[i + 1];
        if (n === undefined) break;
        out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
        i += 2;
      } else out += text[i++];
    }
    if (text[i] !== q) throw new LiteralError('unterminated string');
    i++;
    return out;
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw new LiteralError(`trailing text at ${i}`);
  return v;
}

export interface NpyHeader {
  version: number;
  /** Offset of the array data (or of the pickle for object arrays). */
  dataOffset: number;
  hasObject: boolean;
  itemsize: number;
  count: number;
}

/** Whether a descr (a dtype string, or a structured list of (name, dtype[, shape])) holds objects, and its size. */
export function describeDtype(descr: Literal, depth = 0): { hasObject: boolean; itemsize: number } {
  if (depth > 16) throw new LiteralError('dtype nested too deeply');
  if (typeof descr === 'string') {
    const m = /^[<>|=]?([?bBhHiIlLqQefdgFDGOSUVMmca])(\d*)(\[[A-Za-z0-9]+\])?$/.exec(descr);
    if (!m) throw new LiteralError(`unknown dtype ${JSON.stringify(descr.slice(0, 20))}`);
    const n = m[2] ? Number(m[2]) : ({ '?': 1, b: 1, B: 1, h: 2, H: 2, i: 4, I: 4, l: 8, L: 8, q: 8, Q: 8, e: 2, f: 4, d: 8, g: 16, F: 8, D: 16, G: 32, O: 8, M: 8, m: 8, c: 1, a: 0, S: 0, U: 0, V: 0 } as Record<string, number>)[m[1]!]!;
    return { hasObject: m[1] === 'O', itemsize: m[1] === 'U' ? n * 4 : n };
  }
  if (Array.isArray(descr)) {
    let hasObject = false;
    let itemsize = 0;
    for (const field of descr) {
      if (!(field && typeof field === 'object' && 'tuple' in field) || field.tuple.length < 2) throw new LiteralError('structured dtype field is not a tuple');
      const [, sub, shape] = field.tuple;
      const d = describeDtype(sub!, depth + 1);
      let n = 1;
      if (shape !== undefined) n = dims(shape).reduce((a, b) => a * b, 1);
      hasObject ||= d.hasObject;
      itemsize += d.itemsize * n;
    }
    return { hasObject, itemsize };
  }
  throw new LiteralError('descr is neither a string nor a list of fields');
}

function dims(shape: Literal): number[] {
  if (typeof shape === 'number') return [shape];
  if (shape && typeof shape === 'object' && 'tuple' in shape) {
    return shape.tuple.map((d) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new LiteralError('shape holds something other than non-negative ints');
      return d;
    });
  }
  throw new LiteralError('shape is not a tuple');
}

export function readNpyHeader(src: ByteSource): NpyHeader {
  const pre = src.read(0, 12);
  if (pre.length < 10 || pre.toString('latin1', 0, 6) !== MAGIC) throw new LiteralError('not an .npy file');
  const version = pre[6]!;
  if (version < 1 || version > 3 || pre[7] !== 0) throw new LiteralError(`unsupported .npy format version ${version}.${pre[7]}`);
  const headerLen = version === 1 ? pre.readUInt16LE(8) : pre.length >= 12 ? pre.readUInt32LE(8) : -1;
  const start = version === 1 ? 10 : 12;
  if (headerLen < 0 || headerLen > MAX_HEADER) throw new LiteralError(`header length ${headerLen} is out of range`);
  if (start + headerLen > src.size) throw new LiteralError('the header runs past the end of the file');
  const raw = src.read(start, headerLen);
  const text = version === 3 ? raw.toString('utf8') : raw.toString('latin1');
  const dict = parseLiteral(text.trim());
  if (!(dict instanceof Map)) throw new LiteralError('header is not a dict');
  const descr = dict.get('descr');
  const shape = dict.get('shape');
  if (descr === undefined || shape === undefined || typeof dict.get('fortran_order') !== 'boolean') throw new LiteralError('header lacks descr, fortran_order or shape');
  const d = describeDtype(descr);
  const count = dims(shape).reduce((a, b) => a * b, 1);
  return { version, dataOffset: start + headerLen, hasObject: d.hasObject, itemsize: d.itemsize, count };
}

export const numpyScanner: Scanner = {
  id: SCANNER,
  formats: ['numpy'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const error = (kind: ScanError['kind'], message: string): ScanError => {
      const e: ScanError = { path: ctx.path, scanner: SCANNER, kind, message };
      if (ctx.member !== undefined) e.member = ctx.member;
      return e;
    };
    let h: NpyHeader;
    try {
      h = readNpyHeader(src);
    } catch (err) {
      if (!(err instanceof LiteralError)) throw err;
      return { findings: [], errors: [error('parse', `.npy header cannot be read: ${err.message}`)] };
    }
    if (h.hasObject) {
      // numpy.load(allow_pickle=True) unpickles from the data offset: analyse exactly those bytes.
      const body = new SliceSource(src, h.dataOffset, src.size - h.dataOffset);
      return pickleScanner.scan(body, { ...ctx, member: joinMember(ctx.member, 'object-array') });
    }
    const need = h.count * h.itemsize;
    if (!Number.isSafeInteger(need) || h.dataOffset + need > src.size) {
      return { findings: [], errors: [error('parse', `the header declares ${h.count} items of ${h.itemsize} bytes, more than the file holds`)] };
    }
    return { findings: [], errors: [] };
  },
};
