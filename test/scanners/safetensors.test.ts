import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { BufferSource, type ByteSource } from '../../src/io/byte-source.js';
import { parseJsonStrict } from '../../src/io/json-strict.js';
import { FormatError } from '../../src/scanners/emit.js';
import { validateSafetensors } from '../../src/scanners/safetensors.js';

function file(header: string, data: Buffer = Buffer.alloc(24)): Buffer {
  const h = Buffer.from(header);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}
const why = (b: Buffer, max = 1 << 20): string => {
  try {
    validateSafetensors(new BufferSource(b), max);
    return 'valid';
  } catch (err) {
    if (err instanceof FormatError) return err.message;
    throw err;
  }
};

describe('safetensors header validation', () => {
  it('accepts a well-formed file, padded with spaces, with sub-byte and empty tensors', () => {
    expect(why(file('{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}}    '))).toBe('valid');
    expect(why(file('{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]},"z":{"dtype":"U8","shape":[0],"data_offsets":[2,2]}}', Buffer.alloc(2)))).toBe('valid');
    expect(why(file('{}', Buffer.alloc(0)))).toBe('valid');
  });

  it('rejects each broken rule with a message naming it', () => {
    expect(why(file('{"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]},"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}'))).toMatch(/duplicate key "a"/);
    expect(why(file('{"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24],"x":1}}'))).toMatch(/unknown field "x"/);
    expect(why(file('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,24]}}'))).toMatch(/not a non-negative integer/);
    expect(why(file('{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,24]}}'))).toMatch(/not a non-negative integer/);
    expect(why(file('{"a":{"dtype":"F32","shape":[6],"data_offsets":[24,0]}}'))).toMatch(/ends before it begins/);
    expect(why(file('{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,24]}}'))).toMatch(/whole number of bytes/);
    expect(why(file('{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,24]}}'))).toMatch(/bytes, but its data_offsets span 24/);
    expect(why(file('{"__metadata__":{"a":["x"]}}', Buffer.alloc(0)))).toMatch(/not a string/);
    expect(why(file('{"a":1} x'))).toMatch(/after the JSON value/);
    expect(why(file('{"a":{"dtype":"F32","shape":[6],"data_offsets":[0,24]}}', Buffer.alloc(23)))).toMatch(/runs to byte 24 of a 23-byte buffer/);
    expect(why(Buffer.from([1, 0, 0, 0]))).toMatch(/shorter than/);
    expect(why(file('{"a":\xff}'))).toMatch(/UTF-8|unexpected/);
  });

  it('bounds the header before reading it', () => {
    const huge: ByteSource = { size: 300_000_000, read: (o, n) => (o === 0 ? Buffer.from([0, 0, 0, 16, 0, 0, 0, 0]) : Buffer.alloc(Math.min(n, 16))), close: () => {} };
    expect(() => validateSafetensors(huge, 100_000_000)).toThrow(/exceeds the 100000000-byte limit/);
  });

  it('strict JSON: nesting bound, big integers kept exact', () => {
    expect(() => parseJsonStrict('['.repeat(100) + ']'.repeat(100), 16)).toThrow(/deeper than 16/);
    expect(parseJsonStrict('[18446744073709551615]', 4)).toEqual([{ kind: 'number', text: '18446744073709551615' }]);
  });

  it('is found by name when its header is too broken to sniff, and reported as an error', async () => {
    const r = await scanBytes(Buffer.from('\x10\x00\x00\x00\x00\x00\x00\x00not json at all!'), 'model.safetensors');
    expect(r.skipped).toBeUndefined();
    expect(r.errors[0]?.message).toMatch(/does not start with/);
  });
});
