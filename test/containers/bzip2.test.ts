/** The bzip2 decoder: libbzip2-checked vectors (fixtures/generate_bzip2_vectors.py), limits, and fuzzing. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBzip2 } from '../../src/containers/bzip2.js';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError, type DecodeResult, type Sink } from '../../src/containers/codec.js';
import { BufferSource, type ByteSource } from '../../src/io/byte-source.js';
import { mulberry32, vectorTests, type CodecVector } from '../helpers/codec-run.js';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'codecs', 'bzip2');
// The generator names the expected outcome `outcome`; the shared vector tests call it `expect`.
const vectors: CodecVector[] = (JSON.parse(readFileSync(join(DIR, 'vectors.json'), 'utf8')) as { vectors: (Omit<CodecVector, 'expect'> & { outcome: CodecVector['expect'] })[] }).vectors.map(
  ({ outcome, ...v }) => ({ ...v, expect: outcome }),
);
const file = (name: string) => readFileSync(join(DIR, name));
const OPTS = { maxWindow: 1 << 26 };
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Decodes everything, keeping every chunk as handed over (so a reused buffer would show in the hash). */
function decodeAll(data: Buffer, start = 0, length = data.length, src: ByteSource = new BufferSource(data)) {
  const chunks: Buffer[] = [];
  const consumedSeen: number[] = [];
  const result = decodeBzip2(src, start, length, (c, consumed) => {
    chunks.push(c);
    consumedSeen.push(consumed);
    return true;
  }, OPTS);
  return { result, chunks, consumedSeen, out: Buffer.concat(chunks) };
}

/** A sink that keeps nothing and stops once `limit` bytes went by. */
function limitSink(limit: number) {
  const s = { total: 0, calls: 0, maxChunk: 0 };
  const sink: Sink = (c) => {
    s.total += c.length;
    s.calls++;
    s.maxChunk = Math.max(s.maxChunk, c.length);
    return s.total < limit;
  };
  return { s, sink };
}

/** Records the reads the decoder makes. */
class CountingSource implements ByteSource {
  reads: Array<[number, number]> = [];
  constructor(private readonly inner: ByteSource) {}
  get size() {
    return this.inner.size;
  }
  read(offset: number, length: number): Buffer {
    this.reads.push([offset, length]);
    return this.inner.read(offset, length);
  }
  close() {}
}

describe('bzip2 vectors (outcomes checked against libbzip2 by the generator)', () => {
  it('has the vectors the generator promises', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(50);
    const names = vectors.map((v) => v.file);
    for (const n of ['empty.bz2', 'multiblock_l9.bz2', 'crafted_randomised.bz2', 'crafted_origptr_eq_nblock.bz2', 'trailing_junk.bz2']) expect(names).toContain(n);
  });

  vectorTests(DIR, decodeBzip2, vectors, { opts: OPTS, batched: true });
});

describe('bzip2 errors say what and where', () => {
  const message = (name: string) => {
    try {
      decodeAll(file(name));
    } catch (err) {
      expect(err).toBeInstanceOf(CorruptDataError);
      return (err as Error).message;
    }
    throw new Error(`${name} decoded`);
  };
  it.each([
    ['flip_block_data.bz2', /block CRC 0x[0-9a-f]{8} stored, 0x[0-9a-f]{8} computed \(near byte \d+\)/],
    ['bad_stream_crc.bz2', /stream CRC/],
    ['bad_block_magic.bz2', /bad block magic \(near byte 4\)/],
    ['level_0.bz2', /not a bzip2 stream/],
    ['truncated_3.bz2', /ends inside the stream header/],
    ['truncated_868.bz2', /truncated input/],
    ['crafted_origptr_eq_nblock.bz2', /origPtr 95 outside the block of 95 bytes/],
    ['crafted_origptr_huge.bz2', /origPtr 16777215 beyond the block size 100000/],
    ['crafted_run_without_count.bz2', /4 equal bytes without their run count/],
    ['crafted_no_selectors.bz2', /no selectors/],
    ['crafted_len_21.bz2', /code length 21/],
    ['crafted_seven_groups.bz2', /7 Huffman tables/],
    ['crafted_run_overflow.bz2', /run overflows the 100000-byte block/],
    ['crafted_bad_code.bz2', /undecodable Huffman code/],
    ['crafted_too_few_selectors.bz2', /more symbols than its selectors cover/],
    ['trailing_header_prefix.bz2', /second stream header/],
  ])('%s', (name, re) => {
    expect(message(name)).toMatch(re);
  });

  it('treats empty input and a source shorter than the range as corrupt', () => {
    expect(() => decodeAll(Buffer.alloc(0))).toThrow(CorruptDataError);
    const data = file('text_l9.bz2');
    // The range claims more bytes than the source holds: the decoder sees a truncated stream.
    const short = new BufferSource(data.subarray(0, 900));
    expect(() => decodeBzip2(short, 0, data.length, () => true, OPTS)).toThrow(/truncated/);
  });
});

describe('bzip2 bounds', () => {
  it('stops as soon as the sink returns false', () => {
    const data = file('zeros_50mb.bz2');
    let calls = 0;
    const r = decodeBzip2(new BufferSource(data), 0, data.length, (c) => {
      calls++;
      expect(c.length).toBe(CODEC_CHUNK);
      expect(c.every((b) => b === 0)).toBe(true);
      return false;
    }, OPTS);
    expect(r.stopped).toBe(true);
    expect(calls).toBe(1);
    expect(r.consumed).toBeGreaterThan(0);
    expect(r.consumed).toBeLessThanOrEqual(data.length);
  });

  it('lets an output limit stop a bomb (81 bytes -> 50 MB) early', () => {
    const data = file('zeros_50mb.bz2');
    expect(data.length).toBeLessThan(200);
    const { s, sink } = limitSink(20_000_000);
    const r = decodeBzip2(new BufferSource(data), 0, data.length, sink, OPTS);
    expect(r.stopped).toBe(true);
    expect(s.total).toBeGreaterThanOrEqual(20_000_000);
    expect(s.total).toBeLessThan(20_000_000 + CODEC_CHUNK);
    expect(s.maxChunk).toBe(CODEC_CHUNK);
  });

  it('a stop in the last, partial chunk is still reported', () => {
    const data = file('text_l9.bz2');
    const r = decodeBzip2(new BufferSource(data), 0, data.length, () => false, OPTS);
    expect(r.stopped).toBe(true);
  });

  it('reads a range inside a larger source, in windows, never the whole input at once', () => {
    const one = file('random.bz2');
    const copies = 16; // > 256 KiB: bits cross window boundaries, and 16 streams follow one another
    const body = Buffer.concat(Array.from({ length: copies }, () => one));
    const data = Buffer.concat([Buffer.from('junk before'), body, Buffer.from('BZ?junk after')]);
    const src = new CountingSource(new BufferSource(data));
    const { result, out } = decodeAll(data, 11, body.length + 13, src);
    const plain = decodeAll(one).out;
    expect(out.length).toBe(plain.length * copies);
    expect(sha256(out)).toBe(sha256(Buffer.concat(Array.from({ length: copies }, () => plain))));
    expect(result.trailing).toBe(13);
    expect(result.consumed).toBe(body.length);
    expect(Math.max(...src.reads.map(([, n]) => n))).toBeLessThanOrEqual(1 << 20);
    const read = src.reads.reduce((a, [, n]) => a + n, 0);
    expect(read).toBeLessThanOrEqual(body.length + 13 + 4 * (copies + 1)); // each byte once, plus 4-byte header peeks
    for (const [off] of src.reads) expect(off).toBeGreaterThanOrEqual(11);
  });

  it('decodes the same bytes from any starting offset, and a multi-block stream', () => {
    const data = file('multiblock_l9.bz2');
    const padded = Buffer.concat([Buffer.alloc(7, 0xaa), data]);
    const a = decodeAll(padded, 7, data.length).out;
    const v = vectors.find((x) => x.file === 'multiblock_l9.bz2')!;
    expect(sha256(a)).toBe(v.sha256);
    expect(a.length).toBe(2_000_384);
  });
});

describe('bzip2 fuzzing', () => {
  const seeds = ['text_l9.bz2', 'run_1000.bz2', 'concatenated_3.bz2', 'crafted_randomised_runs.bz2', 'crafted_6_groups.bz2', 'random.bz2', 'run_only_1000.bz2', 'one_byte.bz2'].map(file);

  function mutate(rnd: () => number, base: Buffer): Buffer {
    const pick = (n: number) => Math.floor(rnd() * n);
    const kind = pick(5);
    const b = Buffer.from(base);
    if (kind === 0) {
      // flip 1-4 bits, biased towards the headers and tables at the start
      for (let k = 1 + pick(4); k > 0; k--) {
        const at = rnd() < 0.6 ? pick(Math.min(b.length, 80)) : pick(b.length);
        b[at] = b[at]! ^ (1 << pick(8));
      }
      return b;
    }
    if (kind === 1) return b.subarray(0, pick(b.length + 1));
    if (kind === 2) {
      const other = seeds[pick(seeds.length)]!;
      return Buffer.concat([b.subarray(0, pick(b.length)), other.subarray(pick(other.length))]);
    }
    if (kind === 3) {
      for (let k = 1 + pick(8); k > 0; k--) b[pick(b.length)] = pick(256);
      return b;
    }
    // random bytes after a valid header
    const junk = Buffer.alloc(4 + pick(200));
    for (let i = 0; i < junk.length; i++) junk[i] = pick(256);
    junk.write(`BZh${1 + pick(9)}`, 0, 'latin1');
    return junk;
  }

  it('only ever returns or throws CorruptDataError/UnsupportedDataError, within bounded output', () => {
    const rnd = mulberry32(0xb21b2);
    const tally = { ok: 0, corrupt: 0, unsupported: 0, stopped: 0 };
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      const input = mutate(rnd, seeds[i % seeds.length]!);
      const { s, sink } = limitSink(20_000_000);
      let r: DecodeResult;
      try {
        r = decodeBzip2(new BufferSource(input), 0, input.length, sink, OPTS);
      } catch (err) {
        if (err instanceof CorruptDataError) tally.corrupt++;
        else if (err instanceof UnsupportedDataError) tally.unsupported++;
        else throw new Error(`mutation ${i} threw ${String(err)}`);
        expect(s.total).toBeLessThan(20_000_000 + CODEC_CHUNK);
        continue;
      }
      if (r.stopped) tally.stopped++;
      else tally.ok++;
      expect(s.maxChunk).toBeLessThanOrEqual(CODEC_CHUNK);
      expect(s.total).toBeLessThan(20_000_000 + CODEC_CHUNK);
      expect(r.consumed).toBeGreaterThanOrEqual(0);
      expect(r.consumed + r.trailing).toBeLessThanOrEqual(input.length);
    }
    // Mutations mostly break the CRCs; some (junk spliced after a whole stream, tail flips) still decode.
    expect(tally.corrupt).toBeGreaterThan(2000);
    expect(tally.ok).toBeGreaterThan(20);
    expect(Date.now() - started).toBeLessThan(30_000); // a hang, not a slow machine
  });

  it('survives pure random input after every level of header', () => {
    const rnd = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const input = Buffer.alloc(1 + Math.floor(rnd() * 2000));
      for (let k = 0; k < input.length; k++) input[k] = Math.floor(rnd() * 256);
      if (i % 2 === 0) input.write('BZh91AY&SY', 0, 'latin1'); // header + block magic: random tables follow
      expect(() => decodeBzip2(new BufferSource(input), 0, input.length, () => true, OPTS)).toThrow(CorruptDataError);
    }
  });
});
