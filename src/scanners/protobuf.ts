/**
 * Shared protobuf plumbing for the TensorFlow and ONNX scanners: hand-written partial schemas (only the
 * fields read, with the upstream field numbers) compiled once by protobufjs, and a bounded whole-file
 * read. protobufjs skips unknown fields without copying them, so tensor bytes cost nothing but the read,
 * and it stops at 100 levels of nesting (protoc's default) with an error.
 */
import protobuf from 'protobufjs';
import type { ByteSource } from '../io/byte-source.js';
import { FormatError } from './emit.js';

const roots = new Map<string, protobuf.Root>();

/** The message type `name` of a schema given as .proto text (compiled on first use, then cached). */
export function messageType(schema: string, name: string): protobuf.Type {
  let root = roots.get(schema);
  if (!root) {
    root = protobuf.parse(schema, { keepCase: true }).root;
    roots.set(schema, root);
  }
  return root.lookupType(name);
}

/** Reads the whole source (protobuf needs it in memory), bounded by `max` bytes. */
export function readAll(src: ByteSource, max: number, what: string): Buffer {
  if (src.size > max) throw new FormatError('limit', `${what} is ${src.size} bytes, more than the ${max}-byte limit for protobuf files; not analysed`);
  return src.read(0, src.size);
}

/** Decodes `buf` as `type` into plain objects (longs as strings, bytes as Buffers); malformed → FormatError. */
export function decodeMessage(type: protobuf.Type, buf: Uint8Array, what: string): Record<string, unknown> {
  let msg: protobuf.Message;
  try {
    msg = type.decode(buf);
  } catch (err) {
    throw new FormatError('parse', `${what} is not a valid protobuf: ${(err as Error).message}`);
  }
  return type.toObject(msg, { longs: String, enums: Number, bytes: Buffer, defaults: false, arrays: true }) as Record<string, unknown>;
}
