/**
 * Decompression with bounds, for zip members and compressed wrappers. node:zlib streams deflate, zlib and
 * gzip; bzip2, xz, .lzma and lz4 frames go through the hand-written decoders of codec.ts (loaded only when
 * such data turns up). Output is kept in memory up to a threshold and then spilled to a private temporary
 * file (mkdtemp under os.tmpdir(), mode 0700, removed by dispose()), so a multi-GB payload never sits in
 * memory. Output beyond the limit, or a ratio only a bomb reaches, stops the stream with a reason instead.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { BufferSource, FileSource, type ByteSource } from '../io/byte-source.js';
import { CorruptDataError, UnsupportedDataError, type StreamDecoder } from './codec.js';

type ZlibCodec = 'deflate-raw' | 'zlib' | 'gzip';
type DecoderCodec = 'bzip2' | 'xz' | 'lzma' | 'lz4';
export type Codec = ZlibCodec | DecoderCodec;

export interface DecompressLimits {
  /** Most bytes one stream may produce. */
  maxOutput: number;
  /** Output/input ratio above which (past ratioFloor bytes of output) the stream is called a bomb. */
  maxRatio: number;
  ratioFloor: number;
  /** Output kept in memory; beyond it, a temporary file. */
  spillAbove: number;
  /** Largest LZMA dictionary (history window) a stream may make us allocate. */
  maxWindow: number;
}

export type Decompressed =
  /** `damage`: the data broke after producing `source`, which the loader's reader has returned by then too. */
  | { ok: true; source: ByteSource; dispose(): void; damage?: string }
  | { ok: false; reason: 'limit' | 'bomb' | 'corrupt' | 'unsupported'; message: string; produced: number };

type Failure = Extract<Decompressed, { ok: false }>;

const CHUNK = 1 << 20;

const DECODERS: Record<DecoderCodec, () => Promise<StreamDecoder>> = {
  bzip2: async () => (await import('./bzip2.js')).decodeBzip2,
  xz: async () => (await import('./xz.js')).decodeXz,
  lzma: async () => (await import('./lzma.js')).decodeLzmaAlone,
  lz4: async () => (await import('./lz4.js')).decodeLz4Frame,
};

/** Decompresses `length` bytes of `input` from `start`; the caller disposes of the result. */
export async function decompress(codec: Codec, input: ByteSource, start: number, length: number, limits: DecompressLimits): Promise<Decompressed> {
  const out = new BoundedOutput(limits);
  try {
    if (codec in DECODERS) {
      const decode = await DECODERS[codec as DecoderCodec]();
      try {
        decode(input, start, length, (chunk, consumed) => out.push(chunk, consumed), { maxWindow: limits.maxWindow });
      } catch (err) {
        if (err instanceof CorruptDataError) out.fail('corrupt', `corrupt ${codec} data: ${err.message}`);
        else if (err instanceof UnsupportedDataError) out.fail('unsupported', `${codec} data this version cannot decode: ${err.message}`);
        else throw err;
      }
    } else {
      await inflate(codec as ZlibCodec, input, start, length, out);
    }
    return out.finish();
  } catch (err) {
    out.discard();
    throw err;
  }
}

async function inflate(codec: ZlibCodec, input: ByteSource, start: number, length: number, out: BoundedOutput): Promise<void> {
  const z: Gunzip | Inflate | InflateRaw = codec === 'gzip' ? createGunzip() : codec === 'zlib' ? createInflate() : createInflateRaw();
  let consumed = 0;
  const feed = async () => {
    for (let at = start; at < start + length && !out.stopped; at += CHUNK) {
      const buf = input.read(at, Math.min(CHUNK, start + length - at));
      consumed += buf.length;
      if (!z.write(buf)) await new Promise<void>((resolve) => z.once('drain', resolve).once('close', resolve));
    }
    z.end();
  };
  const feeding = feed().catch(() => undefined);
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      if (!out.push(chunk, consumed)) break;
    }
  } catch (err) {
    out.fail('corrupt', `corrupt ${codec} data: ${(err as Error).message}`);
  } finally {
    z.on('error', () => undefined); // late errors of a stream we stopped on purpose
    z.destroy();
    await feeding;
  }
}

/** Collects decoded output under the limits: memory first, then a private temporary file. */
class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private held = 0;
  private produced = 0;
  private dir: string | null = null;
  private fd: number | null = null;
  private failure: Failure | null = null;

  constructor(private readonly limits: DecompressLimits) {}

  get stopped(): boolean {
    return this.failure !== null;
  }

  /** Takes one chunk; false once the stream must stop. */
  push(chunk: Buffer, consumed: number): boolean {
    if (this.failure) return false;
    const l = this.limits;
    this.produced += chunk.length;
    if (this.produced > l.maxOutput) return this.fail('limit', `decompresses to more than ${l.maxOutput} bytes`);
    if (this.produced > l.ratioFloor && this.produced / Math.max(1, consumed) > l.maxRatio) {
      return this.fail('bomb', `expands more than ${l.maxRatio}× (${consumed} bytes read gave ${this.produced})`);
    }
    if (this.fd === null && this.held + chunk.length <= l.spillAbove) {
      this.chunks.push(chunk); // ours to keep: node:zlib and the decoders of codec.ts never reuse a chunk
      this.held += chunk.length;
      return true;
    }
    if (this.fd === null) {
      this.dir = mkdtempSync(join(tmpdir(), 'modelscan-guard-'));
      this.fd = openSync(join(this.dir, 'payload'), 'w', 0o600);
      for (const c of this.chunks) writeSync(this.fd, c);
      this.chunks.length = 0;
    }
    writeSync(this.fd, chunk);
    return true;
  }

  fail(reason: Failure['reason'], message: string): false {
    this.failure ??= { ok: false, reason, message, produced: this.produced };
    return false;
  }

  finish(): Decompressed {
    const damage = this.failure?.reason === 'corrupt' && this.produced > 0 ? this.failure.message : undefined;
    if (this.failure && damage === undefined) {
      this.discard();
      return this.failure;
    }
    const extra = damage === undefined ? {} : { damage };
    if (this.fd === null) {
      const source = new BufferSource(this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks));
      return { ok: true, source, dispose: () => undefined, ...extra };
    }
    closeSync(this.fd);
    this.fd = null;
    const dir = this.dir!;
    this.dir = null;
    const file = new FileSource(join(dir, 'payload'));
    return {
      ok: true,
      source: file,
      ...extra,
      dispose: () => {
        file.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.chunks.length = 0;
  }
}
