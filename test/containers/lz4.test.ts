/**
 * The LZ4 frame decoder against the vectors of fixtures/generate_lz4_vectors.py (written and read back by
 * Python's lz4), hand-built bombs, and seeded mutations of the valid vectors.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError, type DecodeOptions, type DecodeResult, type Sink } from '../../src/containers/codec.js';
import { decodeLz4Frame, xxh32 } from '../../src/containers/lz4.js';
import { BufferSource, type ByteSource } from '../../src/io/byte-source.js';
import { mulberry32, vectorTests, type CodecVector } from '../helpers/codec-run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'codecs', 'lz4');
const vectors = (JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8')) as { vectors: CodecVector[] }).vectors;
const load = (file: string) => readFileSync(join(DIR, file));
const OPTS: DecodeOptions = { maxWindow: 8 << 20 };

/** Decodes everything into one buffer. */
function decodeAll(buf: Buffer, opts = OPTS): { out: Buffer; result: DecodeResult; chunks: number[] } {
  const parts: Buffer[] = [];
  const result = decodeLz4Frame(new BufferSource(buf), 0, buf.length, (c) => (parts.push(c), true), opts);
  return { out: Buffer.concat(parts), result, chunks: parts.map((p) => p.length) };
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A source that counts the largest single read, to check the decoder reads in windows. */
class CountingSource implements ByteSource {
  largest = 0;
  total = 0;
  constructor(private readonly inner: ByteSource) {}
  get size() {
    return this.inner.size;
  }
  read(offset: number, length: number): Buffer {
    this.largest = Math.max(this.largest, length);
    const b = this.inner.read(offset, length);
    this.total += b.length;
    return b;
  }
  close() {}
}

// --- hand-built frames (the same layout as the Python generator's) ---
function frameHeader(bsid: number, independent: boolean): Buffer {
  const desc = Buffer.from([0x40 | (independent ? 0x20 : 0), bsid << 4]);
  return Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), desc, Buffer.from([(xxh32(desc) >>> 8) & 0xff])]);
}
function ext(n: number): number[] {
  if (n < 15) return [];
  const out: number[] = new Array<number>(Math.floor((n - 15) / 255)).fill(255);
  out.push((n - 15) % 255);
  return out;
}
/** A block that decodes to `size` copies of one byte: a literal, one long match of offset 1, 5 literals. */
function runBlock(size: number): Buffer {
  const ml = size - 1 - 5;
  return Buffer.from([0x10 | 15, 0x61, 1, 0, ...ext(ml - 4), 0x50, 0x61, 0x61, 0x61, 0x61, 0x61]);
}
/** A frame of `count` such blocks of `blockSize` bytes (4 MiB blocks: bsid 7). */
function bomb(count: number, blockSize = 4 << 20, bsid = 7): Buffer {
  const blk = runBlock(blockSize);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(blk.length);
  const parts = [frameHeader(bsid, true)];
  for (let i = 0; i < count; i++) parts.push(size, blk);
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

describe('xxh32', () => {
  it('matches the reference values', () => {
    // Published xxHash32 test values (seed 0 and seed 1 for the empty input, "abc", a 16+ byte input).
    expect(xxh32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxh32(Buffer.alloc(0), 0, 0, 1)).toBe(0x0b2cb792);
    expect(xxh32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxh32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('lz4 vectors (generated and read back by Python lz4)', () => {
  it('covers the cases the generator lists', () => {
    expect(vectors.length).toBeGreaterThan(80);
    for (const kind of ['ok', 'corrupt', 'unsupported'] as const) expect(vectors.some((v) => v.expect === kind)).toBe(true);
  });

  vectorTests(DIR, decodeLz4Frame, vectors, { opts: OPTS });

  it('reads inside start/length of a larger source, in windows no larger than a block', () => {
    const v = vectors.find((x) => x.file === 'blocks-1mb.lz4')!;
    const buf = load(v.file);
    const padded = Buffer.concat([Buffer.from('prefix junk'), buf, Buffer.from('suffix junk')]);
    const src = new CountingSource(new BufferSource(padded));
    const parts: Buffer[] = [];
    const r = decodeLz4Frame(src, 11, buf.length, (c) => (parts.push(c), true), OPTS);
    expect(r).toEqual({ consumed: buf.length, stopped: false, trailing: 0 });
    expect(sha(Buffer.concat(parts))).toBe(v.sha256);
    expect(src.largest).toBeLessThanOrEqual((1 << 20) + 4);
    // Every byte once, apart from the few header bytes read again once the descriptor's length is known.
    expect(src.total).toBeGreaterThanOrEqual(buf.length);
    expect(src.total).toBeLessThanOrEqual(buf.length + 16);
  });

  it('reports the consumed count monotonically to the sink', () => {
    const buf = load('blocks-64kb.lz4');
    const seen: number[] = [];
    decodeLz4Frame(new BufferSource(buf), 0, buf.length, (_c, consumed) => (seen.push(consumed), true), OPTS);
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(seen.at(-1)!).toBeLessThanOrEqual(buf.length);
  });

  it('hands out chunks the sink may keep (not views of a reused buffer)', () => {
    const buf = load('linked.lz4');
    const kept: Buffer[] = [];
    const copies: Buffer[] = [];
    decodeLz4Frame(new BufferSource(buf), 0, buf.length, (c) => (kept.push(c), copies.push(Buffer.from(c)), true), OPTS);
    expect(kept.length).toBeGreaterThan(1);
    kept.forEach((c, i) => expect(c.equals(copies[i]!)).toBe(true));
  });

  it('declines blocks over maxWindow as unsupported', () => {
    expect(() => decodeAll(load('blocks-4mb.lz4'), { maxWindow: 1 << 20 })).toThrow(UnsupportedDataError);
    expect(decodeAll(load('blocks-1mb.lz4'), { maxWindow: 1 << 20 }).result.stopped).toBe(false);
  });

  it('fails on a source shorter than start + length', () => {
    const buf = load('text.lz4');
    const short = new BufferSource(buf.subarray(0, buf.length - 10));
    expect(() => decodeLz4Frame(short, 0, buf.length, () => true, OPTS)).toThrow(/truncated/);
  });
});

describe('lz4 sink control and bounds', () => {
  it('stops at once when the sink returns false', () => {
    const buf = load('blocks-4mb.lz4');
    let calls = 0;
    const r = decodeLz4Frame(new BufferSource(buf), 0, buf.length, () => (++calls, false), OPTS);
    expect(calls).toBe(1);
    expect(r.stopped).toBe(true);
    expect(r.consumed).toBeGreaterThan(0);
    expect(r.consumed).toBeLessThan(buf.length);
  });

  it('hands out chunks of at most CODEC_CHUNK bytes', () => {
    const { chunks, out } = decodeAll(load('blocks-4mb.lz4'));
    expect(out.length).toBe(4_400_000);
    expect(Math.max(...chunks)).toBe(CODEC_CHUNK);
    for (const c of chunks) expect(c).toBeLessThanOrEqual(CODEC_CHUNK);
  });

  it('a hand-built bomb (16 blocks of 4 MiB from ~260 kB) is stopped by a limiting sink', () => {
    const buf = bomb(16);
    expect(buf.length).toBeLessThan(300_000);
    // The bomb is well formed: an unlimited sink gets all 64 MiB.
    let all = 0;
    expect(decodeLz4Frame(new BufferSource(buf), 0, buf.length, (c) => ((all += c.length), true), OPTS).stopped).toBe(false);
    expect(all).toBe(64 << 20);
    // A sink with a 10 MiB budget stops it after at most one more chunk.
    let got = 0;
    const limit: Sink = (c) => (got += c.length) <= 10 << 20;
    const r = decodeLz4Frame(new BufferSource(buf), 0, buf.length, limit, OPTS);
    expect(r.stopped).toBe(true);
    expect(got).toBeLessThanOrEqual((10 << 20) + CODEC_CHUNK);
    expect(r.consumed).toBeLessThan(buf.length / 2);
  });

  it('rejects a bomb block that decodes one byte past its maximum', () => {
    const blk = runBlock((4 << 20) + 1);
    const size = Buffer.alloc(4);
    size.writeUInt32LE(blk.length);
    const buf = Buffer.concat([frameHeader(7, true), size, blk, Buffer.alloc(4)]);
    expect(() => decodeAll(buf)).toThrow(/maximum/);
  });
});

// --- seeded fuzzing ---
describe('lz4 fuzz', () => {
  it('mutated vectors return or throw only CorruptDataError/UnsupportedDataError', () => {
    const valid = vectors.filter((v) => v.expect === 'ok' && (v.length ?? 0) > 0).map((v) => load(v.file));
    const rand = mulberry32(0x1234);
    const pick = (n: number) => Math.floor(rand() * n);
    const LIMIT = 20 << 20;
    const outcomes = { ok: 0, stopped: 0, corrupt: 0, unsupported: 0 };
    for (let i = 0; i < 3000; i++) {
      const base = valid[pick(valid.length)]!;
      let m = Buffer.from(base);
      const kind = pick(4);
      if (kind === 0) {
        // flip 1-4 bits, biased to the header and the first block's bytes
        for (let k = 1 + pick(4); k > 0; k--) m[pick(rand() < 0.5 ? Math.min(64, m.length) : m.length)]! ^= 1 << pick(8);
      } else if (kind === 1) {
        m = m.subarray(0, pick(m.length));
      } else if (kind === 2) {
        // splice: a range of another vector overwrites a range here
        const other = valid[pick(valid.length)]!;
        const at = pick(m.length);
        const from = pick(other.length);
        const n = 1 + pick(Math.min(64, other.length - from));
        m = Buffer.concat([m.subarray(0, at), other.subarray(from, from + n), m.subarray(at + n)]);
      } else {
        // set a random byte to a boundary value
        m[pick(m.length)] = [0x00, 0xff, 0x0f, 0xf0, 0x80][pick(5)]!;
      }
      let produced = 0;
      try {
        const r = decodeLz4Frame(new BufferSource(m), 0, m.length, (c) => (produced += c.length) <= LIMIT, OPTS);
        expect(r.consumed).toBeLessThanOrEqual(m.length);
        outcomes[r.stopped ? 'stopped' : 'ok']++;
      } catch (err) {
        if (err instanceof CorruptDataError) outcomes.corrupt++;
        else if (err instanceof UnsupportedDataError) outcomes.unsupported++;
        else throw new Error(`mutation ${i} (kind ${kind}) threw ${String(err)}`);
      }
      expect(produced).toBeLessThanOrEqual(LIMIT + CODEC_CHUNK);
    }
    // The mutations reach both outcomes, so the loop tests something.
    expect(outcomes.corrupt).toBeGreaterThan(1000);
    expect(outcomes.ok).toBeGreaterThan(50);
  });
});
