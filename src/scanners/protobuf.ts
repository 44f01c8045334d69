/**
 * Shared protobuf plumbing for the TensorFlow and ONNX scanners: hand-written partial schemas (only the
 * fields read, with the upstream field numbers) compiled once by protobufjs, fed a pruned copy of the file
 * (only those fields: tensor bytes are skipped, never read). protobufjs stops at 100 levels of nesting
 * (protoc's default) with an error.
 */
import protobuf from 'protobufjs';
import type { FormatLimits } from '../engine/limits.js';
import type { ByteSource } from '../io/byte-source.js';
import { FormatError } from './emit.js';
import { pruneProtobuf, type PruneSpec } from './protobuf-prune.js';

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

/** The fields `spec` names, read from the source without its tensor bytes (see protobuf-prune.ts). */
export function readPruned(src: ByteSource, spec: PruneSpec, limits: FormatLimits, what: string): Buffer {
  return pruneProtobuf(src, spec, { maxDepth: limits.maxTreeDepth, maxKeptBytes: limits.maxProtobufBytes, maxFields: limits.maxProtobufFields }, what);
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
