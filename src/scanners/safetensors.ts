/**
 * safetensors: an 8-byte little-endian header length, a JSON header, then raw tensor bytes. The format
 * carries no code, so a file that passes every check the reference implementation makes (and a few it
 * does not: duplicate keys) is scanned and clean. Anything else is a parse error: a file that two loaders
 * read differently, or that one of them rejects, is not a file to trust. Only the header is read.
 */
import type { ByteSource } from '../io/byte-source.js';
import { isJsonNumber, isJsonObject, parseJsonStrict, type JsonValue } from '../io/json-strict.js';
import { formatScanner, FormatError } from './emit.js';

/** Bits per element of every dtype the reference implementation knows. */
const DTYPE_BITS: Record<string, number> = {
  BOOL: 8, U8: 8, I8: 8, F8_E5M2: 8, F8_E4M3: 8, F8_E8M0: 8, I16: 16, U16: 16, F16: 16, BF16: 16,
  I32: 32, U32: 32, F32: 32, F64: 64, I64: 64, U64: 64, C64: 64, F4: 4, F6_E2M3: 6, F6_E3M2: 6,
};
const TENSOR_KEYS = new Set(['dtype', 'shape', 'data_offsets']);
const MAX_HEADER_DEPTH = 16;

interface Span {
  name: string;
  begin: bigint;
  end: bigint;
}

export const safetensorsScanner = formatScanner('safetensors', ['safetensors'], (src, ctx) => validateSafetensors(src, ctx.limits.formats.maxJsonBytes));

/** Throws a FormatError on the first rule the file breaks. */
export function validateSafetensors(src: ByteSource, maxHeaderBytes: number): void {
  if (src.size < 8) throw new FormatError('parse', 'shorter than the 8-byte header length');
  const n = src.read(0, 8).readBigUInt64LE(0);
  if (n > BigInt(src.size - 8)) throw new FormatError('parse', `header length ${n} runs past the end of the file (${src.size} bytes)`, 0);
  if (n > BigInt(maxHeaderBytes)) throw new FormatError('limit', `header length ${n} exceeds the ${maxHeaderBytes}-byte limit`, 0);
  const headerLen = Number(n);
  const raw = src.read(8, headerLen);
  if (raw[0] !== 0x7b) throw new FormatError('parse', 'header does not start with "{"', 8);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new FormatError('parse', 'header is not valid UTF-8', 8);
  }
  // The reference writer pads the header with spaces to an 8-byte boundary.
  const header = parseJsonStrict(text.replace(/ +$/, ''), MAX_HEADER_DEPTH);
  if (!isJsonObject(header)) throw new FormatError('parse', 'header is not a JSON object', 8);
  const spans: Span[] = [];
  for (const [name, value] of header.entries) {
    if (name === '__metadata__') checkMetadata(value);
    else spans.push(tensorSpan(name, value));
  }
  checkLayout(spans, BigInt(src.size - 8 - headerLen));
}

function checkMetadata(value: JsonValue): void {
  if (!isJsonObject(value)) throw new FormatError('parse', '__metadata__ is not an object of strings');
  for (const [k, v] of value.entries) {
    if (typeof v !== 'string') throw new FormatError('parse', `__metadata__ value for ${JSON.stringify(k)} is not a string`);
  }
}

function tensorSpan(name: string, value: JsonValue): Span {
  const what = `tensor ${JSON.stringify(name.slice(0, 100))}`;
  if (!isJsonObject(value)) throw new FormatError('parse', `${what} is not an object`);
  for (const k of value.entries.keys()) {
    if (!TENSOR_KEYS.has(k)) throw new FormatError('parse', `${what} has an unknown field ${JSON.stringify(k)}`);
  }
  const dtype = value.entries.get('dtype');
  if (typeof dtype !== 'string' || !(dtype in DTYPE_BITS)) throw new FormatError('parse', `${what} has an unknown dtype ${JSON.stringify(dtype ?? null)}`);
  const shape = value.entries.get('shape');
  if (!Array.isArray(shape)) throw new FormatError('parse', `${what} has no shape list`);
  let elements = 1n;
  for (const d of shape) elements *= nonNegativeInt(d, `${what} shape`);
  const offsets = value.entries.get('data_offsets');
  if (!Array.isArray(offsets) || offsets.length !== 2) throw new FormatError('parse', `${what} data_offsets is not [begin, end]`);
  const begin = nonNegativeInt(offsets[0]!, `${what} data_offsets`);
  const end = nonNegativeInt(offsets[1]!, `${what} data_offsets`);
  if (end < begin) throw new FormatError('parse', `${what} ends before it begins`);
  const bits = elements * BigInt(DTYPE_BITS[dtype]!);
  if (bits % 8n !== 0n) throw new FormatError('parse', `${what} is not a whole number of bytes`);
  if (bits / 8n !== end - begin) {
    throw new FormatError('parse', `${what} is ${dtype} ${JSON.stringify(shape.map((d) => (isJsonNumber(d) ? d.text : d)))} = ${bits / 8n} bytes, but its data_offsets span ${end - begin}`);
  }
  return { name, begin, end };
}

function nonNegativeInt(v: JsonValue, what: string): bigint {
  if (!isJsonNumber(v) || !/^(?:0|[1-9]\d*)$/.test(v.text) || v.text.length > 20) throw new FormatError('parse', `${what} holds ${JSON.stringify(isJsonNumber(v) ? v.text : v)}, not a non-negative integer`);
  return BigInt(v.text);
}

/** Tensors must tile the data buffer exactly: from 0, no gap, no overlap, to its last byte. */
function checkLayout(spans: Span[], bufferLen: bigint): void {
  spans.sort((a, b) => (a.begin < b.begin ? -1 : a.begin > b.begin ? 1 : a.end < b.end ? -1 : a.end > b.end ? 1 : 0));
  let at = 0n;
  for (const s of spans) {
    const what = `tensor ${JSON.stringify(s.name.slice(0, 100))}`;
    if (s.begin < at) throw new FormatError('parse', `${what} overlaps the previous tensor's bytes`);
    if (s.begin > at) throw new FormatError('parse', `gap of ${s.begin - at} bytes before ${what}`);
    at = s.end;
  }
  if (at > bufferLen) throw new FormatError('parse', `tensor data runs to byte ${at} of a ${bufferLen}-byte buffer`);
  if (at < bufferLen) throw new FormatError('parse', `${bufferLen - at} bytes after the last tensor belong to none`);
}
