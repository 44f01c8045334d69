/**
 * GGUF structure (llama.cpp's gguf.cpp / gguf-py): magic, version, tensor and key/value counts, the
 * key/values, the tensor infos, then the aligned tensor data. Every count and length is checked against
 * the configured bounds and against the bytes that remain before anything is allocated: a kv_count near
 * 2^64 or a string "longer than the file" is an error, never an allocation. Values are skipped except the
 * few the scanner judges (chat templates, general.alignment).
 */
import type { ByteSource } from '../../io/byte-source.js';
import { Cursor, EndOfData } from '../../io/cursor.js';
import type { FormatLimits } from '../../engine/limits.js';
import { FormatError } from '../emit.js';

const T = { U8: 0, I8: 1, U16: 2, I16: 3, U32: 4, I32: 5, F32: 6, BOOL: 7, STRING: 8, ARRAY: 9, U64: 10, I64: 11, F64: 12 } as const;
const FIXED_SIZE: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
/** ggml types with element sizes this scanner is sure of: [bytes per block, elements per block]. */
const GGML_BLOCK: Record<number, [number, number]> = {
  0: [4, 1], 1: [2, 1], 2: [18, 32], 3: [20, 32], 6: [22, 32], 7: [24, 32], 8: [34, 32], 9: [36, 32],
  24: [1, 1], 25: [2, 1], 26: [4, 1], 27: [8, 1], 28: [8, 1], 30: [2, 1],
};
/** Highest ggml type id known to llama.cpp at the time of writing; beyond it a loader rejects the file. */
const GGML_TYPE_MAX = 63;
const GGML_MAX_DIMS = 4;

export interface GgufTemplate {
  key: string;
  text: string;
  offset: number;
}

export interface GgufInfo {
  version: number;
  tensorCount: number;
  kvCount: number;
  alignment: number;
  templates: GgufTemplate[];
  /** Templates too long to keep, by key (reported, not analysed). */
  oversizedTemplates: string[];
}

const isTemplateKey = (k: string): boolean => k === 'tokenizer.chat_template' || k.startsWith('tokenizer.chat_template.') || k.startsWith('tokenizer.chat_templates.');

export function emptyGgufInfo(): GgufInfo {
  return { version: 0, tensorCount: 0, kvCount: 0, alignment: 32, templates: [], oversizedTemplates: [] };
}

/**
 * Parses into `info` as it goes, so what was read before a structural error (a chat template, say) is
 * still there for the caller when this throws.
 */
export function parseGguf(src: ByteSource, limits: FormatLimits, info: GgufInfo = emptyGgufInfo()): GgufInfo {
  const c = new Cursor(src);
  try {
    parse(c, src.size, limits, info);
    return info;
  } catch (err) {
    if (err instanceof EndOfData) throw new FormatError('parse', `truncated: ${err.message}`, err.offset);
    throw err;
  }
}

function parse(c: Cursor, size: number, limits: FormatLimits, info: GgufInfo): void {
  if (c.readBytes(4).toString('latin1') !== 'GGUF') throw new FormatError('parse', 'no GGUF magic', 0);
  const version = c.readUInt32LE();
  if (version < 1 || version > 3) throw new FormatError('parse', `unknown GGUF version ${version}`, 4);
  // Version 1 wrote counts and lengths as 32-bit numbers; 2 and 3 as 64-bit.
  const wide = version >= 2;
  const readLen = (): bigint => (wide ? c.readUInt64LE() : BigInt(c.readUInt32LE()));
  const tensorCount = count(readLen(), limits.ggufMaxTensors, 'tensor count', c.pos);
  const kvCount = count(readLen(), limits.ggufMaxKv, 'key/value count', c.pos);
  // Every key/value needs at least a length, one byte of key and a type; every tensor info more.
  if (kvCount * 13 + tensorCount * 24 > c.remaining) {
    throw new FormatError('parse', `${kvCount} key/values and ${tensorCount} tensors cannot fit in the ${c.remaining} bytes that remain`, 8);
  }
  Object.assign(info, { version, tensorCount, kvCount });
  const readString = (what: string, keep: boolean): string | null => {
    const at = c.pos;
    const n = readLen();
    if (n > BigInt(c.remaining)) throw new FormatError('parse', `${what}: string length ${n} runs past the end of the file`, at);
    if (n > BigInt(limits.ggufMaxStringBytes)) throw new FormatError('limit', `${what}: string length ${n} exceeds the ${limits.ggufMaxStringBytes}-byte limit`, at);
    const len = Number(n);
    if (!keep) {
      c.skip(len);
      return null;
    }
    return c.readBytes(len).toString('utf8');
  };
  const readers: Readers = { readString, readLen, lenWidth: wide ? 8 : 4 };
  for (let k = 0; k < kvCount; k++) {
    if (c.pos > limits.ggufMaxMetadataBytes) throw new FormatError('limit', `metadata larger than ${limits.ggufMaxMetadataBytes} bytes`, c.pos);
    const keyAt = c.pos;
    const key = readString(`key ${k}`, true)!;
    const type = c.readUInt32LE();
    if (isTemplateKey(key)) {
      if (type !== T.STRING) throw new FormatError('parse', `${key} is not a string (type ${type})`, keyAt);
      const at = c.pos;
      const peek = wide ? c.readUInt64LE() : BigInt(c.readUInt32LE());
      c.seek(at);
      if (peek > BigInt(limits.maxTemplateBytes)) {
        readString(key, false);
        info.oversizedTemplates.push(key);
      } else info.templates.push({ key, text: readString(key, true)!, offset: at });
    } else if (key === 'general.alignment') {
      if (type !== T.U32) throw new FormatError('parse', `general.alignment has type ${type}, not uint32`, keyAt);
      const a = c.readUInt32LE();
      if (a === 0 || (a & (a - 1)) !== 0) throw new FormatError('parse', `general.alignment ${a} is not a power of two`, keyAt);
      info.alignment = a;
    } else skipValue(c, type, key, 0, readers, limits);
  }
  readTensorInfos(c, size, info, readString, readLen);
}

function count(n: bigint, max: number, what: string, at: number): number {
  if (n > BigInt(max)) throw new FormatError('limit', `${what} ${n} exceeds the limit of ${max}`, at);
  return Number(n);
}

type ReadString = (what: string, keep: boolean) => string | null;
interface Readers {
  readString: ReadString;
  readLen: () => bigint;
  /** Bytes of one length field: 4 in GGUF v1, 8 after. */
  lenWidth: number;
}

function skipValue(c: Cursor, type: number, key: string, depth: number, r: Readers, limits: FormatLimits): void {
  const { readString, readLen, lenWidth } = r;
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined) {
    c.skip(fixed);
    return;
  }
  if (type === T.STRING) {
    readString(key, false);
    return;
  }
  if (type !== T.ARRAY) throw new FormatError('parse', `${key}: unknown value type ${type}`, c.pos);
  if (depth > 0) throw new FormatError('parse', `${key}: arrays of arrays are not GGUF llama.cpp reads`, c.pos);
  const at = c.pos;
  const elemType = c.readUInt32LE();
  const n = readLen();
  if (n > BigInt(limits.ggufMaxArrayItems)) throw new FormatError('limit', `${key}: array of ${n} items exceeds the limit of ${limits.ggufMaxArrayItems}`, at);
  const items = Number(n);
  const elemFixed = FIXED_SIZE[elemType];
  if (elemFixed !== undefined) {
    if (items * elemFixed > c.remaining) throw new FormatError('parse', `${key}: array of ${items} items runs past the end of the file`, at);
    c.skip(items * elemFixed);
    return;
  }
  // Each string item costs at least its length field.
  if (elemType === T.STRING && items * lenWidth > c.remaining) {
    throw new FormatError('parse', `${key}: array of ${items} strings runs past the end of the file`, at);
  }
  for (let i = 0; i < items; i++) skipValue(c, elemType, key, depth + 1, r, limits);
}

function readTensorInfos(c: Cursor, size: number, info: GgufInfo, readString: ReadString, readLen: () => bigint): void {
  const tensors: { name: string; offset: bigint; bytes: bigint | null; at: number }[] = [];
  for (let t = 0; t < info.tensorCount; t++) {
    const at = c.pos;
    const name = readString(`tensor ${t} name`, true)!;
    const nDims = c.readUInt32LE();
    if (nDims > GGML_MAX_DIMS) throw new FormatError('parse', `tensor ${name}: ${nDims} dimensions (llama.cpp allows ${GGML_MAX_DIMS})`, at);
    let elements = 1n;
    for (let d = 0; d < nDims; d++) {
      const dim = c.readUInt64LE();
      if (dim >= 1n << 63n) throw new FormatError('parse', `tensor ${name}: dimension ${dim} is negative as int64`, at);
      elements *= dim;
    }
    const type = c.readUInt32LE();
    if (type > GGML_TYPE_MAX) throw new FormatError('parse', `tensor ${name}: unknown ggml type ${type}`, at);
    const offset = readLen();
    if (offset % BigInt(info.alignment) !== 0n) throw new FormatError('parse', `tensor ${name}: offset ${offset} is not a multiple of the alignment ${info.alignment}`, at);
    const block = GGML_BLOCK[type];
    let bytes: bigint | null = null;
    if (block) {
      const [blockBytes, perBlock] = block;
      if (elements % BigInt(perBlock) !== 0n) throw new FormatError('parse', `tensor ${name}: ${elements} elements do not fill whole blocks of ${perBlock}`, at);
      bytes = (elements / BigInt(perBlock)) * BigInt(blockBytes);
    }
    tensors.push({ name, offset, bytes, at });
  }
  const dataStart = BigInt(Math.ceil(c.pos / info.alignment) * info.alignment);
  const dataLen = BigInt(size) - dataStart;
  if (info.tensorCount > 0 && dataLen < 0n) throw new FormatError('parse', 'the file ends before its tensor data begins', c.pos);
  for (const t of tensors) {
    const end = t.offset + (t.bytes ?? 1n);
    if (end > dataLen) throw new FormatError('parse', `tensor ${t.name}: data at offset ${t.offset}${t.bytes !== null ? ` (+${t.bytes} bytes)` : ''} runs past the end of the file`, t.at);
  }
}
