/**
 * gzip and zlib wrappers around any format (compressed joblib files, .pt.gz, joblib's legacy `ZF` files):
 * decompressed as a stream with an output limit (src/containers/budget.ts) and the result scanned through
 * the engine. bz2, xz/lzma and lz4 have no decompressor in node:zlib and none is bundled: those files are an
 * explicit 'unsupported' error, never clean.
 */
import { decompressMember } from '../containers/budget.js';
import type { ByteSource } from '../io/byte-source.js';
import type { FormatId } from '../types.js';
import { joinMember, type ScanContext, type Scanner, type ScannerOutput } from './scanner.js';

const SCANNER = 'compressed';

/** joblib < 0.10 wrote `ZF` + hex(length) padded to 19 bytes, then a zlib stream (numpy_pickle_compat.py). */
const ZF_HEADER = 2 + 19;

export const compressedScanner: Scanner = {
  id: SCANNER,
  formats: ['gzip', 'zlib'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const head = src.read(0, 2).toString('latin1');
    const codec = head === '\x1f\x8b' ? 'gzip' : 'zlib';
    const start = head === 'ZF' ? ZF_HEADER : 0;
    const label = codec === 'gzip' ? 'gunzip' : 'inflate';
    const opened = await decompressMember(codec, src, start, src.size - start, ctx, SCANNER, joinMember(ctx.member, label));
    if ('error' in opened) {
      // Two bytes that merely pass zlib's header check (text starting "x^") and inflate to nothing are no
      // zlib stream for any loader either.
      if (opened.error.kind === 'parse' && codec === 'zlib' && start === 0 && opened.produced === 0) return { findings: [], errors: [] };
      return { findings: opened.finding ? [opened.finding] : [], errors: [opened.error] };
    }
    try {
      const outcome = await ctx.scanNested(opened.source, label);
      const errors = [...outcome.errors];
      if (!outcome.scanned && outcome.formats.length > 0) {
        errors.push({ path: ctx.path, scanner: SCANNER, kind: 'unsupported', member: joinMember(ctx.member, label), message: `the ${codec} data holds ${outcome.formats.join(' + ')}, which this version cannot scan` });
      }
      return { findings: outcome.findings, errors };
    } finally {
      opened.dispose();
    }
  },
};

const UNSUPPORTED: readonly FormatId[] = ['bz2', 'xz', 'lz4', '7z'];

export const unsupportedCompressionScanner: Scanner = {
  id: 'compressed',
  formats: UNSUPPORTED,
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const magic = src.read(0, 6);
    const what = magic[0] === 0x42 ? 'bzip2' : magic[0] === 0xfd ? 'xz' : magic[0] === 0x04 ? 'lz4' : '7z';
    const e = { path: ctx.path, scanner: SCANNER, kind: 'unsupported' as const, message: `${what}-compressed data cannot be decompressed by this version: the content was not analysed (decompress it and scan the result)` };
    return { findings: [], errors: ctx.member === undefined ? [e] : [{ ...e, member: ctx.member }] };
  },
};
