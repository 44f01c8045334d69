/**
 * The contract of the hand-written stream decoders (bzip2, .lzma, .xz, lz4 frames). node:zlib covers
 * deflate/zlib/gzip; for the others no npm decoder streams with a hard output bound and survives crafted
 * input, so each is written here against its format's specification, with every length, table and
 * dictionary size checked before it is used.
 *
 * A decoder is synchronous: it pulls input through a ByteSource window by window and pushes output in
 * chunks of at most CODEC_CHUNK bytes to a sink. The sink returns false to stop decoding (an output limit
 * or a ratio only a bomb reaches was hit); the decoder then returns at once, with `stopped: true`.
 * Memory is bounded by the format's own window (900 kB blocks for bzip2, the declared dictionary for
 * LZMA, capped by `maxWindow`), never by the size of the input or the output.
 */
import type { ByteSource } from '../io/byte-source.js';

/** Largest chunk handed to a sink. */
export const CODEC_CHUNK = 1 << 20;

/**
 * Receives decoded bytes. `consumed` is how many input bytes were read so far. Return false to stop.
 * The sink may keep the chunk: a decoder never writes to a buffer it has handed over.
 */
export type Sink = (chunk: Buffer, consumed: number) => boolean;

export interface DecodeOptions {
  /** Largest history window (LZMA dictionary) the decoder may allocate; a stream that needs more is unsupported. */
  maxWindow: number;
}

export interface DecodeResult {
  /** Input bytes consumed, from `start`. */
  consumed: number;
  /** True when the sink asked to stop: the output is incomplete. */
  stopped: boolean;
  /**
   * Bytes after the last complete stream that are not another stream, which the Python reader ignores
   * (bz2/lzma modules) or the format allows (xz stream padding is not counted here). 0 when none.
   */
  trailing: number;
}

/** The data breaks the format: bad magic, bad checksum, impossible length, truncated input. */
export class CorruptDataError extends Error {
  override readonly name = 'CorruptDataError';
}

/** Valid data this decoder declines to decode: an xz filter other than LZMA2, a dictionary over maxWindow. */
export class UnsupportedDataError extends Error {
  override readonly name = 'UnsupportedDataError';
}

/**
 * Decodes `length` bytes of `input` from `start`, as many concatenated streams as the Python reader
 * would read. Throws CorruptDataError or UnsupportedDataError; never any other error on bad input.
 * Output decoded before a corruption is handed to the sink before the error is thrown: the Python reader
 * returns such output to its caller (pickle.load) before it reports the error, so it must be analysed.
 */
export type StreamDecoder = (input: ByteSource, start: number, length: number, sink: Sink, options: DecodeOptions) => DecodeResult;
