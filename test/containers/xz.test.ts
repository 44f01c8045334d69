/** The .xz decoder, against vectors from fixtures/generate_lzma_vectors.py. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError } from '../../src/containers/codec.js';
import { crc32, crc64, decodeXz } from '../../src/containers/xz.js';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { fuzzDecoder, runDecoder, vectorTests, type CodecVector } from '../helpers/codec-run.js';
import { BufferSource } from '../../src/io/byte-source.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'codecs', 'lzma');
const VECTORS: (CodecVector & { decoder: 'alone' | 'xz' })[] = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8'));
const XZ = VECTORS.filter((v) => v.decoder === 'xz');
const read = (f: string): Buffer => readFileSync(join(DIR, f));
const OPTS = { maxWindow: 256 << 20 };

describe('.xz vectors', () => {
  it('has the vectors the generator promised', () => {
    expect(XZ.length).toBeGreaterThan(45);
    expect(XZ.filter((v) => v.expect === 'unsupported').length).toBeGreaterThanOrEqual(4);
    expect(XZ.filter((v) => v.expect === 'corrupt').length).toBeGreaterThan(15);
  });

  vectorTests(DIR, decodeXz, XZ);
});

describe('.xz decoder behaviour', () => {
  it('stops at once when the sink returns false', () => {
    const buf = read('xz-bomb.xz');
    let calls = 0;
    const r = decodeXz(new BufferSource(buf), 0, buf.length, () => (calls++, false), OPTS);
    expect(calls).toBe(1);
    expect(r.stopped).toBe(true);
    expect(r.consumed).toBeGreaterThan(0);
    expect(r.consumed).toBeLessThan(buf.length);
  });

  it('stops a 100 MiB bomb with a limiting sink, in chunks of at most CODEC_CHUNK', () => {
    const r = runDecoder(decodeXz, read('xz-bomb.xz'), 20 << 20);
    expect(r.result.stopped).toBe(true);
    expect(r.length).toBeGreaterThanOrEqual(20 << 20);
    expect(r.length).toBeLessThanOrEqual((20 << 20) + CODEC_CHUNK);
    expect(r.maxChunk).toBe(CODEC_CHUNK);
  });

  it('decodes across input windows: 30 concatenated streams with padding (> 256 KiB of input)', () => {
    const one = read('xz-random.xz');
    const buf = Buffer.concat(Array.from({ length: 30 }, () => Buffer.concat([one, Buffer.alloc(8)])));
    expect(buf.length).toBeGreaterThan(256 * 1024);
    const single = runDecoder(decodeXz, one);
    expect(single.sha256).toBe(XZ.find((x) => x.file === 'xz-random.xz')!.sha256);
    const r = runDecoder(decodeXz, buf);
    expect(r.length).toBe(single.length * 30);
    expect(r.result).toEqual({ consumed: buf.length, stopped: false, trailing: 0 });
  });

  it('refuses a match beyond maxWindow as unsupported, and decodes it with a larger window', () => {
    const buf = read('xz-preset6.xz');
    expect(() => runDecoder(decodeXz, buf, Infinity, { maxWindow: 16384 })).toThrow(UnsupportedDataError);
    expect(runDecoder(decodeXz, buf, Infinity, { maxWindow: 1 << 20 }).sha256).toBe(XZ.find((x) => x.file === 'xz-preset6.xz')!.sha256);
  });

  it('decodes a 4 GiB declared dictionary on a tiny block even with a small maxWindow', () => {
    const r = runDecoder(decodeXz, read('xz-dict-4gib.xz'), Infinity, { maxWindow: 1 << 20 });
    expect(r.sha256).toBe(XZ.find((x) => x.file === 'xz-dict-4gib.xz')!.sha256);
  });

  it('names the unsupported filter and the failing structure', () => {
    expect(() => runDecoder(decodeXz, read('xz-bcj-x86.xz'))).toThrow(/BCJ x86/);
    expect(() => runDecoder(decodeXz, read('xz-delta.xz'))).toThrow(/delta/);
    expect(() => runDecoder(decodeXz, read('xz-check-reserved.xz'))).toThrow(/check type 2/);
    expect(() => runDecoder(decodeXz, read('xz-bad-check.xz'))).toThrow(/check \(type 4\) mismatch/);
    expect(() => runDecoder(decodeXz, read('xz-bad-index-record.xz'))).toThrow(/index records/);
    expect(() => runDecoder(decodeXz, read('xz-bad-index-count.xz'))).toThrow(/index lists 2 blocks/);
    expect(() => runDecoder(decodeXz, read('xz-no-dict-reset.xz'))).toThrow(/reset the dictionary/);
    expect(() => runDecoder(decodeXz, read('xz-no-props.xz'))).toThrow(/properties/);
    expect(() => runDecoder(decodeXz, read('xz-chunk-spare-byte.xz'))).toThrow(/unused/);
  });

  it('rejects an empty input', () => {
    expect(() => runDecoder(decodeXz, Buffer.alloc(0))).toThrow(CorruptDataError);
  });
});

describe('checksums', () => {
  it('CRC32 matches zlib, incrementally', () => {
    const data = read('xz-text.xz');
    expect(crc32(0, Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(crc32(0, data.subarray(0, 1000)), data.subarray(1000))).toBe(zlibCrc32(data));
  });
  it('CRC64 (ECMA-182) has the standard check value, incrementally', () => {
    expect(crc64([0, 0], Buffer.from('123456789'))).toEqual([0xdf1939fa, 0x995dc9bb]);
    const s = crc64(crc64([0, 0], Buffer.from('1234')), Buffer.from('56789'));
    expect(s).toEqual([0xdf1939fa, 0x995dc9bb]);
  });
});

describe('.xz fuzz', () => {
  it('2000 seeded mutations only return or throw CorruptDataError/UnsupportedDataError', () => {
    const pool = XZ.filter((v) => v.expect === 'ok' && !v.file.includes('bomb')).map((v) => read(v.file));
    const tally = fuzzDecoder(decodeXz, pool, 0x5eed, 2000, OPTS);
    expect(tally.corrupt).toBeGreaterThan(400);
    expect(tally.ok).toBeGreaterThan(10);
  });
});
