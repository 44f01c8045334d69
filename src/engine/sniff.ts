/**
 * Decides what a file is from its bytes. The name is at most a hint for formats with no magic number
 * (TensorFlow protobufs); a pickle renamed .txt is still a pickle, and a .pt that is a zip is a zip.
 */
import type { ByteSource } from '../io/byte-source.js';
import { PLAIN_CALL, runPickle, type VmPolicy } from '../scanners/pickle/vm.js';
import type { FormatId } from '../types.js';
import { baseName } from './name-hint.js';
import { looksLikeLzmaAlone } from '../containers/lzma-header.js';
import { isTarHeader } from '../containers/tar-header.js';
import { EOCD_SEARCH } from '../containers/zip/reader.js';

export interface Sniffed {
  /** Primary format first; more when one file is several things at once (a pickle with a zip appended). */
  formats: FormatId[];
}

const HEAD = 4096;
const EOCD_SIG = Buffer.from([0x50, 0x4b, 0x05, 0x06]);

export function sniff(src: ByteSource, nameHint = ''): Sniffed {
  if (src.size === 0) return { formats: [] };
  const head = src.read(0, HEAD);
  const primary = sniffHead(src, head, nameHint.toLowerCase());
  const formats: FormatId[] = primary ? [primary] : [];
  // One file can be a pickle and another format at once: a tar's first header name, an HDF5 user block, a
  // protobuf's fields are free bytes. pickle.load reads from byte 0, and so does torch.load's legacy path once
  // the file is no zip and no tar torch can use: the pickle reading is scanned too.
  if (primary !== null && primary !== 'pickle' && !NO_PICKLE_AT_START.has(primary) && startsAsPickle(src, head)) formats.push('pickle');
  // A zip is found from its end (EOCD), so data before it (a pickle, say) does not hide it.
  if (primary !== 'zip' && hasZipEnd(src)) formats.push('zip');
  return { formats };
}

/**
 * Formats whose first bytes cannot begin a pickle CPython runs: a zip starts with PERSID, which fails with no
 * persistent_load; numpy's magic starts with STACK_GLOBAL on an empty stack; the gzip, xz, lz4, 7z and zlib
 * magics are not opcodes. Not bz2: `BZh9` reads as BINBYTES of ~825 MB, which a big enough file holds.
 */
const NO_PICKLE_AT_START: ReadonlySet<FormatId> = new Set<FormatId>(['zip', 'numpy', 'gzip', 'xz', 'lz4', '7z', 'zlib']);

/** Byte 0 begins a pickle: PROTO 0-5 as sniffHead takes it, or a protocol 0-1 stream that gets somewhere. */
function startsAsPickle(src: ByteSource, head: Buffer): boolean {
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return true;
  return looksLikeTextPickle(src);
}

function startsWith(buf: Buffer, magic: number[] | string, at = 0): boolean {
  const m = typeof magic === 'string' ? Buffer.from(magic, 'latin1') : Buffer.from(magic);
  return buf.length >= at + m.length && buf.subarray(at, at + m.length).equals(m);
}

function sniffHead(src: ByteSource, head: Buffer, name: string): FormatId | null {
  if (startsWith(head, 'PK\x03\x04') || startsWith(head, 'PK\x05\x06') || startsWith(head, 'PK\x07\x08')) return 'zip';
  if (startsWith(head, '\x93NUMPY')) return 'numpy';
  if (isHdf5(src, head)) return 'hdf5';
  if (startsWith(head, 'GGUF')) return 'gguf';
  const compressed = compressionByMagic(head);
  if (compressed) return compressed;
  // tarfile needs no `ustar` magic: a V7 header with a checksum that adds up is a tar (and torch.load tries tar).
  if (head.length > 262 && (startsWith(head, 'ustar\x0000', 257) || startsWith(head, 'ustar  \x00', 257) || isTarHeader(head))) return 'tar';
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return 'pickle';
  if (isSafetensors(src, head)) return 'safetensors';
  const named = sniffByName(head, name);
  if (named) return named;
  const proto = sniffProtobuf(head, name);
  if (proto) return proto;
  const weak = compressionByHeader(head);
  if (weak) return weak;
  if (looksLikeTextPickle(src)) return 'pickle';
  return sniffBrokenByName(name);
}


/**
 * Files whose format has no magic number at all, known by their conventional names once their bytes matched
 * no magic: a SavedModel's two protobufs (so an empty-looking saved_model.pb is read, and reported as
 * broken, rather than passed by as an unknown protobuf) and the JSON and Jinja files chat templates live in.
 */
function sniffByName(head: Buffer, name: string): FormatId | null {
  const base = baseName(name);
  if (base === 'saved_model.pb') return 'tf-savedmodel';
  if (base === 'keras_metadata.pb') return 'keras-metadata';
  if (base === 'tokenizer_config.json' || base === 'chat_template.json') {
    return head.toString('utf8', 0, Math.min(head.length, 256)).trimStart().startsWith('{') ? 'tokenizer-config' : null;
  }
  if (base === 'chat_template.jinja') return 'jinja-template';
  return null;
}

/**
 * A file named like a format with a magic-less or damaged header is handed to that format's scanner, which
 * reports exactly what is wrong: a broken model is an error, never "unrecognised".
 */
function sniffBrokenByName(name: string): FormatId | null {
  const base = baseName(name);
  if (base.endsWith('.safetensors')) return 'safetensors';
  if (base.endsWith('.onnx')) return 'onnx';
  if (base.endsWith('.gguf')) return 'gguf';
  return null;
}

function isHdf5(src: ByteSource, head: Buffer): boolean {
  const sig = '\x89HDF\r\n\x1a\n';
  // The superblock may follow a user block of 512, 1024, 2048… bytes.
  for (let at = 0; at < Math.min(src.size, 1 << 20); at = at === 0 ? 512 : at * 2) {
    const b = at + 8 <= head.length ? head.subarray(at, at + 8) : src.read(at, 8);
    if (startsWith(b, sig)) return true;
  }
  return false;
}

function isSafetensors(src: ByteSource, head: Buffer): boolean {
  if (head.length < 10) return false;
  const n = head.readBigUInt64LE(0);
  return n >= 2n && n <= BigInt(src.size - 8) && n <= 100_000_000n && head[8] === 0x7b; // '{'
}

/**
 * Compressed data with a magic number. Exported so the compressed scanner picks the same codec the sniffer
 * named (the two must never disagree about what a file is).
 */
export function compressionByMagic(head: Buffer): FormatId | null {
  if (startsWith(head, [0x1f, 0x8b])) return 'gzip';
  if (/^BZh[1-9](\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)/.test(head.subarray(0, 10).toString('latin1'))) return 'bz2';
  if (startsWith(head, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (startsWith(head, [0x04, 0x22, 0x4d, 0x18])) return 'lz4';
  if (startsWith(head, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return '7z';
  // joblib's legacy zlib container: "ZF" + the length in hex, then a zlib stream.
  if (/^ZF0x[0-9a-fA-F]+/.test(head.subarray(0, 24).toString('latin1'))) return 'zlib';
  return null;
}

/**
 * Compressed data with no magic number, only a header that checks out: a zlib stream, or the legacy .lzma
 * format joblib's 'lzma' compression writes. Tried late, after every format with a real magic number.
 */
export function compressionByHeader(head: Buffer): FormatId | null {
  if (isZlib(head)) return 'zlib';
  if (isLzmaAlone(head)) return 'lzma';
  return null;
}

/**
 * joblib opens anything starting 5D 00 as .lzma (its writer's properties byte, a dictionary whose low byte is
 * 0) and reads it without liblzma's strict header check; anything else must pass that check. Either way the
 * range coder's first byte, which is always 0, must be there. liblzma's check also passes a dictionary of 0
 * (so fourteen zero bytes, the start of many binary files, would "be" an empty .lzma); no encoder writes a
 * dictionary under 4 KiB, so outside joblib's prefix one that small is not taken for .lzma.
 */
function isLzmaAlone(head: Buffer): boolean {
  if (head.length < 14 || head[13] !== 0) return false;
  if (head[0] === 0x5d && head[1] === 0x00) return true;
  return head.readUInt32LE(1) >= 4096 && looksLikeLzmaAlone(head);
}

function isZlib(head: Buffer): boolean {
  if (head.length < 2) return false;
  const cmf = head[0]!;
  const flg = head[1]!;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0 && (flg & 0x20) === 0 && cmf === 0x78;
}

/**
 * Protobufs have no magic number. Read the top-level fields: an ONNX ModelProto has an ir_version (1) and a
 * graph (7) or opset_import (8); a SavedModel has a schema version (1) and meta graphs (2). Only names ending
 * in .pb are tried as SavedModel, because a two-field protobuf is too common a shape to trust alone.
 */
function sniffProtobuf(head: Buffer, name: string): FormatId | null {
  const fields = topLevelFields(head);
  if (!fields) return null;
  const onnxFields = new Set([1, 2, 3, 4, 5, 6, 7, 8, 14, 20, 25]);
  if (fields.has(1) && (fields.has(7) || fields.has(8)) && [...fields].every((f) => onnxFields.has(f))) return 'onnx';
  if (name.endsWith('.pb')) {
    // A SavedModel's fingerprint.pb holds only hashes of the other files: data, like variables/.
    if (baseName(name) === 'fingerprint.pb') return null;
    // SavedModel's field 1 is a number (its schema version); a frozen GraphDef's field 1 is a node message.
    if (fields.has(2) && [...fields].every((f) => f === 1 || f === 2) && fields.wireOf(1) !== 2) return 'tf-savedmodel';
    return startsLikeGraphDef(head) ? 'tf-graphdef' : 'protobuf';
  }
  return null;
}

/**
 * A frozen GraphDef starts with its first node (field 1), and protobuf writers put a NodeDef's name
 * (field 1) before its op (field 2): `0a <len> 0a <len> name 12 <len> op`.
 */
function startsLikeGraphDef(head: Buffer): boolean {
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    for (let k = 0, mul = 1; k < 5 && i < head.length; k++, mul *= 128) {
      const b = head[i++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
    }
    return null;
  };
  if (head[i++] !== 0x0a || varint() === null || head[i++] !== 0x0a) return false;
  const nameLen = varint();
  if (nameLen === null || nameLen === 0) return false;
  i += nameLen;
  return head[i] === 0x12;
}

/** Field numbers of a well-formed protobuf prefix; null when the bytes are not one. */
type FieldSet = Set<number> & { wireOf(field: number): number | undefined };

function topLevelFields(buf: Buffer): FieldSet | null {
  const wires = new Map<number, number>();
  const fields = Object.assign(new Set<number>(), { wireOf: (f: number) => wires.get(f) }) as FieldSet;
  let i = 0;
  const varint = (): number | null => {
    let v = 0;
    let mul = 1;
    for (let k = 0; k < 10 && i < buf.length; k++) {
      const b = buf[i++]!;
      v += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return v;
      mul *= 128;
    }
    return null;
  };
  let count = 0;
  while (i < buf.length && count < 64) {
    const key = varint();
    if (key === null) return count > 0 ? fields : null; // cut by the head window
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (field < 1 || field > 1000) return null;
    if (wire === 0) {
      if (varint() === null && i < buf.length) return null;
    } else if (wire === 2) {
      const len = varint();
      if (len === null) return count > 0 ? fields : null;
      i += len; // may run past the window: fine, it was only the last field
    } else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else return null;
    fields.add(field);
    if (!wires.has(field)) wires.set(field, wire);
    count++;
  }
  return fields.size > 0 ? fields : null;
}

function hasZipEnd(src: ByteSource): boolean {
  if (src.size < 22) return false;
  const start = Math.max(0, src.size - EOCD_SEARCH);
  const tail = src.read(start, src.size - start);
  // As miniz and zipfile find it: the last signature with a whole record after it, whatever its comment length
  // claims (a record whose comment runs past the end is still the one both readers use).
  return tail.lastIndexOf(EOCD_SIG, tail.length - 22) >= 0;
}

/** Classifies nothing: control flow of a trial run does not depend on what globals are. */
const NEUTRAL_POLICY: VmPolicy = {
  classify: () => ({ verdict: 'unknown' }),
  callRole: () => PLAIN_CALL,
};

/**
 * Protocol 0 and 1 pickles have no magic number: they are pickles if CPython's unpickler would get somewhere
 * with them. A trial run must reach STOP, or reach a call (code ran before any later break), or read a long
 * stretch of valid opcodes. Text files break within a few bytes.
 */
export function looksLikeTextPickle(src: ByteSource, window = 64 * 1024): boolean {
  const r = runPickle(src, 0, NEUTRAL_POLICY, { maxOpcodes: 20_000, maxStack: 100_000, maxMarks: 10_000, maxMemo: 100_000 }, window);
  if (r.stopped || r.reachedCall) return true;
  return r.error?.kind === 'limit';
}
