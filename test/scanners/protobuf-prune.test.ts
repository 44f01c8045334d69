import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { BufferSource, type ByteSource } from '../../src/io/byte-source.js';
import { formatErrorOf } from '../helpers/format-error.js';
import { decodeMessage, messageType } from '../../src/scanners/protobuf.js';
import { encodeVarint, pruneProtobuf, type PruneSpec } from '../../src/scanners/protobuf-prune.js';
import { ONNX_PRUNE, ONNX_SCHEMA } from '../../src/scanners/onnx/schema.js';
import { SAVED_MODEL_PRUNE, TF_SCHEMA } from '../../src/scanners/savedmodel/schema.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const LIMITS = { maxDepth: 64, maxKeptBytes: 1 << 20, maxFields: 100_000 };
const field = (n: number, payload: Buffer) => Buffer.concat([encodeVarint((n << 3) | 2), encodeVarint(payload.length), payload]);
const failure = (b: Buffer, spec: PruneSpec, limits = LIMITS) => formatErrorOf(() => pruneProtobuf(new BufferSource(b), spec, limits, 'x'));

describe('protobuf pruning', () => {
  it('decodes to the same objects as the whole file, for real fixtures', () => {
    for (const [rel, schema, type, spec] of [
      ['malicious/formats/onnx/external_in_subgraph.onnx', ONNX_SCHEMA, 'onnx.ModelProto', ONNX_PRUNE],
      ['benign/formats/onnx/local_function.onnx', ONNX_SCHEMA, 'onnx.ModelProto', ONNX_PRUNE],
      ['malicious/formats/savedmodel/writefile_in_function/saved_model.pb', TF_SCHEMA, 'tf.SavedModel', SAVED_MODEL_PRUNE],
    ] as const) {
      const whole = readFileSync(join(FIXTURES, rel));
      const t = messageType(schema, type);
      const pruned = pruneProtobuf(new BufferSource(whole), spec, LIMITS, rel);
      expect(pruned.length).toBeLessThan(whole.length);
      expect(decodeMessage(t, pruned, rel)).toEqual(decodeMessage(t, whole, rel));
    }
  });

  it('skips tensor bytes without reading them', () => {
    // ModelProto.graph.initializer[0] with 64 MiB of raw_data (field 9), followed by the tensor's name.
    const big = 64 << 20;
    const rawHead = Buffer.concat([encodeVarint((9 << 3) | 2), encodeVarint(big)]);
    const name = field(8, Buffer.from('w'));
    const tensorLen = rawHead.length + big + name.length;
    const tensorHead = Buffer.concat([encodeVarint((5 << 3) | 2), encodeVarint(tensorLen)]);
    const graphLen = tensorHead.length + tensorLen;
    const head = Buffer.concat([Buffer.from([0x08, 0x08]), encodeVarint((7 << 3) | 2), encodeVarint(graphLen), tensorHead, rawHead]);
    const size = head.length + big + name.length;
    let read = 0;
    const src: ByteSource = {
      size,
      read(offset, length) {
        const n = Math.max(0, Math.min(length, size - offset));
        read += n;
        const out = Buffer.alloc(n);
        for (let i = 0; i < n; i++) {
          const at = offset + i;
          if (at < head.length) out[i] = head[at]!;
          else if (at >= head.length + big) out[i] = name[at - head.length - big]!;
        }
        return out;
      },
      close() {},
    };
    const pruned = pruneProtobuf(src, ONNX_PRUNE, LIMITS, 'big');
    expect(read).toBeLessThan(3 << 20);
    const m = decodeMessage(messageType(ONNX_SCHEMA, 'onnx.ModelProto'), pruned, 'big') as { graph?: { initializer?: { name?: string }[] } };
    expect(m.graph?.initializer?.[0]?.name).toBe('w');
  });

  it('reports malformed input and limits as errors', () => {
    expect(failure(Buffer.from([0x0a, 0x05, 0x01]), { 1: true }).message).toMatch(/running past the end/);
    expect(failure(Buffer.from([0x0b]), {}).message).toMatch(/wire type 3/);
    expect(failure(Buffer.from([0x00, 0x01]), {}).message).toMatch(/field number 0/);
    expect(failure(Buffer.from([0x08, 0x01]), { 1: {} }).message).toMatch(/field 1 should be a message but has wire type 0/);
    expect(failure(Buffer.from([0x08, 0xff, 0xff]), {}).message).toMatch(/truncated/);
    expect(failure(Buffer.from([0x08, ...Array(11).fill(0xff)]), {}).message).toMatch(/longer than 10 bytes/);
    const self: PruneSpec = {};
    self[1] = self;
    let nested = Buffer.alloc(0);
    for (let i = 0; i < 100; i++) nested = field(1, nested);
    expect(failure(nested, self)).toMatchObject({ kind: 'limit' });
    expect(failure(Buffer.from(Array.from({ length: 1000 }, () => [0x08, 0x01]).flat()), {}, { ...LIMITS, maxFields: 100 }).message).toMatch(/more than 100 protobuf fields/);
    expect(failure(field(1, Buffer.alloc(5000)), { 1: true }, { ...LIMITS, maxKeptBytes: 1000 }).message).toMatch(/bytes of structure/);
  });

  it('a truncated ONNX file is an error through the scanner', async () => {
    const whole = readFileSync(join(FIXTURES, 'benign/formats/onnx/mlp.onnx'));
    expect((await scanBytes(whole.subarray(0, whole.length - 7), 'model.onnx')).errors[0]?.message).toMatch(/not a valid protobuf/);
  });
});
