/**
 * Decompression with bounds, for zip members and gzip/zlib wrappers. node:zlib streams the data; output is
 * kept in memory up to a threshold and then spilled to a private temporary file (mkdtemp under os.tmpdir(),
 * mode 0700, removed by dispose()), so a multi-GB payload never sits in memory. Output beyond the limit,
 * or a ratio only a bomb reaches, stops the stream with a reason instead.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGunzip, createInflate, createInflateRaw, type Gunzip, type Inflate, type InflateRaw } from 'node:zlib';
import { BufferSource, FileSource, type ByteSource } from '../io/byte-source.js';

export type Codec = 'deflate-raw' | 'zlib' | 'gzip';

export interface DecompressLimits {
  /** Most bytes one stream may produce. */
  maxOutput: number;
  /** Output/input ratio above which (past ratioFloor bytes of output) the stream is called a bomb. */
  maxRatio: number;
  ratioFloor: number;
  /** Output kept in memory; beyond it, a temporary file. */
  spillAbove: number;
}

export type Decompressed =
  | { ok: true; source: ByteSource; dispose(): void }
  | { ok: false; reason: 'limit' | 'bomb' | 'corrupt'; message: string; produced: number };

const CHUNK = 1 << 20;

function makeStream(codec: Codec): Gunzip | Inflate | InflateRaw {
  return codec === 'gzip' ? createGunzip() : codec === 'zlib' ? createInflate() : createInflateRaw();
}

/** Decompresses `length` bytes of `input` from `start`; the caller disposes of the result. */
export async function decompress(codec: Codec, input: ByteSource, start: number, length: number, limits: DecompressLimits): Promise<Decompressed> {
  const z = makeStream(codec);
  const chunks: Buffer[] = [];
  let held = 0;
  let produced = 0;
  let consumed = 0;
  let dir: string | null = null;
  let fd: number | null = null;
  const cleanup = () => {
    if (fd !== null) closeSync(fd);
    fd = null;
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    dir = null;
  };
  let stop: Decompressed | null = null;
  const feed = async () => {
    for (let at = start; at < start + length && !stop; at += CHUNK) {
      const buf = input.read(at, Math.min(CHUNK, start + length - at));
      consumed += buf.length;
      if (!z.write(buf)) await new Promise<void>((resolve) => z.once('drain', resolve).once('close', resolve));
    }
    z.end();
  };
  const feeding = feed().catch(() => undefined);
  try {
    for await (const out of z as AsyncIterable<Buffer>) {
      produced += out.length;
      if (produced > limits.maxOutput) {
        stop = { ok: false, reason: 'limit', message: `decompresses to more than ${limits.maxOutput} bytes`, produced };
        break;
      }
      if (produced > limits.ratioFloor && produced / Math.max(1, consumed) > limits.maxRatio) {
        stop = { ok: false, reason: 'bomb', message: `expands more than ${limits.maxRatio}× (${consumed} bytes read gave ${produced})`, produced };
        break;
      }
      if (fd === null && held + out.length <= limits.spillAbove) {
        chunks.push(out);
        held += out.length;
        continue;
      }
      if (fd === null) {
        dir = mkdtempSync(join(tmpdir(), 'modelscan-guard-'));
        fd = openSync(join(dir, 'payload'), 'w', 0o600);
        for (const c of chunks) writeSync(fd, c);
        chunks.length = 0;
      }
      writeSync(fd, out);
    }
  } catch (err) {
    stop = { ok: false, reason: 'corrupt', message: `corrupt ${codec} data: ${(err as Error).message}`, produced };
  } finally {
    z.on('error', () => undefined); // late errors of a stream we stopped on purpose
    z.destroy();
    await feeding;
  }
  if (stop) {
    cleanup();
    return stop;
  }
  if (fd === null) return { ok: true, source: new BufferSource(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)), dispose: () => undefined };
  closeSync(fd);
  fd = null;
  const file = new FileSource(join(dir!, 'payload'));
  return {
    ok: true,
    source: file,
    dispose: () => {
      file.close();
      cleanup();
    },
  };
}
