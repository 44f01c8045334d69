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
  trailing?: number;
}

/** One test per vector: the exact output (hash, length, trailing bytes, chunking) or the exact error class. */
export function vectorTests(dir: string, decode: StreamDecoder, vectors: readonly CodecVector[]): void {
  for (const v of vectors) {
    it(`${v.file}: ${v.expect} (${v.description})`, () => {
      const buf = readFileSync(join(dir, v.file));
      if (v.expect === 'ok') {
        const r = runDecoder(decode, buf);
        expect(r.length).toBe(v.length);
        expect(r.sha256).toBe(v.sha256);
        expect(r.result.stopped).toBe(false);
        expect(r.result.trailing).toBe(v.trailing);
        expect(r.result.consumed + r.result.trailing).toBe(buf.length);
        expect(r.maxChunk).toBeLessThanOrEqual(CODEC_CHUNK);
        for (let i = 1; i < r.consumedSeen.length; i++) expect(r.consumedSeen[i]!).toBeGreaterThanOrEqual(r.consumedSeen[i - 1]!);
      } else {
        const cls = v.expect === 'corrupt' ? CorruptDataError : UnsupportedDataError;
        expect(() => runDecoder(decode, buf)).toThrow(cls);
      }
    });
  }
}
