/** The .lzma ("alone") decoder and the LZMA core, against vectors from fixtures/generate_lzma_vectors.py. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError } from '../../src/containers/codec.js';
import { decodeLzmaAlone, looksLikeLzmaAlone } from '../../src/containers/lzma.js';
import { fuzzDecoder, runDecoder, vectorTests, type CodecVector } from '../helpers/codec-run.js';
import { BufferSource, FileSource } from '../../src/io/byte-source.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'codecs', 'lzma');
const VECTORS: (CodecVector & { decoder: 'alone' | 'xz' })[] = JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8'));
const ALONE = VECTORS.filter((v) => v.decoder === 'alone');
const read = (f: string): Buffer => readFileSync(join(DIR, f));
const OPTS = { maxWindow: 256 << 20 };

describe('.lzma vectors', () => {
  it('has the vectors the generator promised', () => {
    expect(ALONE.length).toBeGreaterThan(35);
    expect(ALONE.filter((v) => v.expect === 'ok').length).toBeGreaterThan(20);
    expect(ALONE.filter((v) => v.expect === 'corrupt').length).toBeGreaterThan(10);
  });

  vectorTests(DIR, decodeLzmaAlone, ALONE);
});

describe('.lzma decoder behaviour', () => {
  it('stops at once when the sink returns false', () => {
    const buf = read('alone-bomb.lzma');
    let calls = 0;
    const r = decodeLzmaAlone(new BufferSource(buf), 0, buf.length, () => (calls++, false), OPTS);
    expect(calls).toBe(1);
    expect(r.stopped).toBe(true);
    expect(r.trailing).toBe(0);
    expect(r.consumed).toBeGreaterThan(0);
    expect(r.consumed).toBeLessThan(buf.length);
  });

  it('stops a 100 MiB bomb with a limiting sink, in chunks of at most CODEC_CHUNK', () => {
    const r = runDecoder(decodeLzmaAlone, read('alone-bomb.lzma'), 10 << 20);
    expect(r.result.stopped).toBe(true);
    expect(r.length).toBeGreaterThanOrEqual(10 << 20);
    expect(r.length).toBeLessThanOrEqual((10 << 20) + CODEC_CHUNK);
    expect(r.maxChunk).toBe(CODEC_CHUNK);
    expect(r.chunks).toBe(Math.ceil(r.length / CODEC_CHUNK));
  });

  it('decodes across input windows: 30 concatenated streams (> 256 KiB of input)', () => {
    const one = read('alone-random.lzma');
    const buf = Buffer.concat(Array.from({ length: 30 }, () => one));
    expect(buf.length).toBeGreaterThan(256 * 1024);
    const single = runDecoder(decodeLzmaAlone, one);
    const r = runDecoder(decodeLzmaAlone, buf);
    expect(r.length).toBe(single.length * 30);
    expect(r.result.consumed).toBe(buf.length);
    expect(r.result.trailing).toBe(0);
    const v = ALONE.find((x) => x.file === 'alone-random.lzma')!;
    expect(single.sha256).toBe(v.sha256);
  });

  it('reads a stream embedded in a file, from start for length, through FileSource', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lzma-'));
    try {
      const stream = read('alone-text.lzma');
      const junk = Buffer.alloc(1000, 0x41);
      writeFileSync(join(dir, 'f'), Buffer.concat([junk, stream, junk]));
      const src = new FileSource(join(dir, 'f'));
      try {
        const h = createHash('sha256');
        const r = decodeLzmaAlone(src, 1000, stream.length, (c) => (h.update(c), true), OPTS);
        expect(h.digest('hex')).toBe(ALONE.find((x) => x.file === 'alone-text.lzma')!.sha256);
        expect(r).toEqual({ consumed: stream.length, stopped: false, trailing: 0 });
        // The same window one byte short is truncated.
        expect(() => decodeLzmaAlone(src, 1000, stream.length - 1, () => true, OPTS)).toThrow(CorruptDataError);
      } finally {
        src.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a match beyond maxWindow as unsupported, and decodes it with a larger window', () => {
    // MIXED repeats 30000 bytes of text at a distance of ~32 KB: preset 6 finds those matches.
    const buf = read('alone-preset6.lzma');
    expect(() => runDecoder(decodeLzmaAlone, buf, Infinity, { maxWindow: 16384 })).toThrow(UnsupportedDataError);
    const r = runDecoder(decodeLzmaAlone, buf, Infinity, { maxWindow: 1 << 20 });
    expect(r.sha256).toBe(ALONE.find((x) => x.file === 'alone-preset6.lzma')!.sha256);
  });

  it('decodes a 4 GiB declared dictionary on a tiny stream even with a small maxWindow', () => {
    const r = runDecoder(decodeLzmaAlone, read('alone-dict-4gib.lzma'), Infinity, { maxWindow: 1 << 20 });
    expect(r.sha256).toBe(ALONE.find((x) => x.file === 'alone-dict-4gib.lzma')!.sha256);
  });

  it('rejects an empty input', () => {
    expect(() => runDecoder(decodeLzmaAlone, Buffer.alloc(0))).toThrow(CorruptDataError);
  });

  it('errors name the problem', () => {
    expect(() => runDecoder(decodeLzmaAlone, read('alone-bad-distance.lzma'))).toThrow(/distance 6/);
    expect(() => runDecoder(decodeLzmaAlone, read('alone-props-225.lzma'))).toThrow(/225/);
    expect(() => runDecoder(decodeLzmaAlone, read('alone-size-too-small.lzma'))).toThrow(/runs past the end/);
    expect(() => runDecoder(decodeLzmaAlone, read('alone-trunc16.lzma'))).toThrow(/truncated/);
  });
});

describe('looksLikeLzmaAlone', () => {
  const head = (props: number, dict: number, lo: number, hi: number, next?: number): Buffer => {
    const b = Buffer.alloc(next === undefined ? 13 : 14);
    b[0] = props;
    b.writeUInt32LE(dict >>> 0, 1);
    b.writeUInt32LE(lo >>> 0, 5);
    b.writeUInt32LE(hi >>> 0, 9);
    if (next !== undefined) b[13] = next;
    return b;
  };
  it('accepts what joblib/Python write and liblzma would detect', () => {
    expect(looksLikeLzmaAlone(read('alone-text.lzma'))).toBe(true);
    expect(looksLikeLzmaAlone(read('alone-known-size.lzma'))).toBe(true);
    expect(looksLikeLzmaAlone(head(0x5d, 3 << 20, -1, -1, 0))).toBe(true); // 2^21 + 2^20
    expect(looksLikeLzmaAlone(head(0x5d, 0xffffffff, 5000, 0))).toBe(true);
    expect(looksLikeLzmaAlone(head(224, 1 << 12, 0, 0x3f))).toBe(true); // just under 2^38
  });
  it('rejects implausible headers', () => {
    expect(looksLikeLzmaAlone(head(225, 1 << 20, -1, -1))).toBe(false);
    expect(looksLikeLzmaAlone(head(0x5d, (1 << 20) + 1, -1, -1))).toBe(false);
    expect(looksLikeLzmaAlone(head(0x5d, 7 << 20, -1, -1))).toBe(false);
    expect(looksLikeLzmaAlone(head(0x5d, 1 << 20, 0, 0x40))).toBe(false); // 2^38
    expect(looksLikeLzmaAlone(head(0x5d, 1 << 20, -1, -1, 1))).toBe(false);
    expect(looksLikeLzmaAlone(Buffer.from([0x5d, 0, 0]))).toBe(false);
  });
});

describe('.lzma fuzz', () => {
  it('2000 seeded mutations only return or throw CorruptDataError/UnsupportedDataError', () => {
    const pool = ALONE.filter((v) => v.expect === 'ok' && !v.file.includes('bomb')).map((v) => read(v.file));
    const tally = fuzzDecoder(decodeLzmaAlone, pool, 0x1a2b3c, 2000, OPTS);
    expect(tally.corrupt).toBeGreaterThan(400);
    expect(tally.ok).toBeGreaterThan(10);
  });

});
