/** Running a stream decoder in tests: hashes what it produced and records how it was handed out. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CODEC_CHUNK, CorruptDataError, UnsupportedDataError, type DecodeOptions, type DecodeResult, type StreamDecoder } from '../../src/containers/codec.js';
import { BufferSource } from '../../src/io/byte-source.js';

export interface DecoderRun {
  result: DecodeResult;
  sha256: string;
  length: number;
  chunks: number;
  maxChunk: number;
  consumedSeen: number[];
}

/** Decodes `buf` and hashes the output; `stopAt` makes the sink refuse once that much was produced. */
export function runDecoder(decode: StreamDecoder, buf: Buffer, stopAt = Infinity, opts: DecodeOptions = { maxWindow: 256 << 20 }): DecoderRun {
  const h = createHash('sha256');
  let length = 0;
  let chunks = 0;
  let maxChunk = 0;
  const consumedSeen: number[] = [];
  const result = decode(
    new BufferSource(buf),
    0,
    buf.length,
    (chunk, consumed) => {
      h.update(chunk);
      length += chunk.length;
      chunks++;
      maxChunk = Math.max(maxChunk, chunk.length);
      consumedSeen.push(consumed);
      return length < stopAt;
    },
    opts,
  );
  return { result, sha256: h.digest('hex'), length, chunks, maxChunk, consumedSeen };
}

/** A decoder test vector as the generators in fixtures/ list them in vectors.json. */
export interface CodecVector {
  file: string;
  expect: 'ok' | 'corrupt' | 'unsupported';
  description: string;
  sha256?: string;
  length?: number;
  /** Bytes after the stream that the decoder leaves; absent means none. */
  trailing?: number;
}

export interface VectorTestOptions {
  opts?: DecodeOptions;
  /** The decoder batches its output: no empty chunk, and every chunk but the last is exactly CODEC_CHUNK. */
  batched?: boolean;
}

/** One test per vector: the exact output (hash, length, trailing bytes, chunking) or the exact error class. */
export function vectorTests(dir: string, decode: StreamDecoder, vectors: readonly CodecVector[], { opts = { maxWindow: 256 << 20 }, batched = false }: VectorTestOptions = {}): void {
  for (const v of vectors) {
    it(`${v.file}: ${v.expect} (${v.description})`, () => {
      const buf = readFileSync(join(dir, v.file));
      if (v.expect === 'ok') {
        const r = runDecoder(decode, buf, Infinity, opts);
        expect(r.length).toBe(v.length);
        expect(r.sha256).toBe(v.sha256);
        expect(r.result.stopped).toBe(false);
        expect(r.result.trailing).toBe(v.trailing ?? 0);
        expect(r.result.consumed + r.result.trailing).toBe(buf.length);
        expect(r.maxChunk).toBeLessThanOrEqual(CODEC_CHUNK);
        for (let i = 1; i < r.consumedSeen.length; i++) expect(r.consumedSeen[i]!).toBeGreaterThanOrEqual(r.consumedSeen[i - 1]!);
        for (const c of r.consumedSeen) expect(c).toBeLessThanOrEqual(buf.length);
        // The sink may keep what it is given (decompress() does): chunks kept to the end still hash the same.
        const kept: Buffer[] = [];
        decode(new BufferSource(buf), 0, buf.length, (chunk) => kept.push(chunk) > 0, opts);
        expect(createHash('sha256').update(Buffer.concat(kept)).digest('hex')).toBe(v.sha256);
        if (batched) {
          for (const c of kept) expect(c.length).toBeGreaterThan(0);
          for (const c of kept.slice(0, -1)) expect(c.length).toBe(CODEC_CHUNK);
        }
      } else {
        const cls = v.expect === 'corrupt' ? CorruptDataError : UnsupportedDataError;
        expect(() => runDecoder(decode, buf, Infinity, opts)).toThrow(cls);
      }
    });
  }
}

/** Small deterministic PRNG (mulberry32): seeded fuzzing that fails the same way on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Flips, truncations and splices of valid inputs: each decode returns (having accounted for every input
 * byte) or throws one of the two decoder errors, with output stopped at 20 MB. Returns how the runs ended.
 */
export function fuzzDecoder(decode: StreamDecoder, pool: Buffer[], seed: number, rounds: number, opts: DecodeOptions = { maxWindow: 256 << 20 }): Record<string, number> {
  const rnd = mulberry32(seed);
  const pick = (n: number): number => Math.floor(rnd() * n);
  const tally: Record<string, number> = { ok: 0, stopped: 0, corrupt: 0, unsupported: 0 };
  for (let i = 0; i < rounds; i++) {
    const src = pool[pick(pool.length)]!;
    let buf = Buffer.from(src);
    const kind = pick(4);
    if (kind === 0 || kind === 3) {
      const flips = 1 + pick(kind === 3 ? 8 : 2);
      for (let k = 0; k < flips && buf.length > 0; k++) {
        const at = pick(buf.length);
        buf[at] = buf[at]! ^ (1 << pick(8));
      }
    } else if (kind === 1) {
      buf = buf.subarray(0, pick(buf.length + 1));
    } else {
      const other = pool[pick(pool.length)]!;
      const at = pick(buf.length + 1);
      buf = Buffer.concat([buf.subarray(0, at), other.subarray(pick(other.length + 1))]);
    }
    let produced = 0;
    try {
      const r = decode(new BufferSource(buf), 0, buf.length, (c) => (produced += c.length) < 20 << 20, opts);
      tally[r.stopped ? 'stopped' : 'ok']!++;
      if (!r.stopped) expect(r.consumed + r.trailing).toBe(buf.length);
    } catch (e) {
      if (e instanceof CorruptDataError) tally.corrupt!++;
      else if (e instanceof UnsupportedDataError) tally.unsupported!++;
      else throw new Error(`round ${i}: ${String(e)}`, { cause: e });
    }
  }
  return tally;
}
