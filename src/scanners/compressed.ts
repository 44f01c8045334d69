/**
 * Compressed wrappers around any format: gzip, zlib (and joblib's legacy `ZF` files), bzip2, xz, the legacy
 * .lzma format joblib writes, and lz4 frames. Each is decompressed as a stream with an output limit
 * (src/containers/budget.ts) and the result scanned through the engine, so a .pkl.bz2 or a compressed
 * joblib file is analysed like the pickle inside it. 7z archives are not read: an explicit 'unsupported'
 * error, never clean.
 */
import { decompressMember } from '../containers/budget.js';
import type { Codec } from '../containers/decompress.js';
import { compressionByHeader, compressionByMagic } from '../engine/sniff.js';
import type { ByteSource } from '../io/byte-source.js';
import type { FormatId } from '../types.js';
import { joinMember, type ScanContext, type Scanner, type ScannerOutput } from './scanner.js';

const SCANNER = 'compressed';

/** joblib < 0.10 wrote `ZF` + hex(length) padded to 19 bytes, then a zlib stream (numpy_pickle_compat.py). */
const ZF_HEADER = 2 + 19;

/** How each sniffed format is decoded, and the name its output gets in reports (`model.pkl.xz!unxz`). */
const CODECS: Partial<Record<FormatId, { codec: Codec; label: string }>> = {
  gzip: { codec: 'gzip', label: 'gunzip' },
  zlib: { codec: 'zlib', label: 'inflate' },
  bz2: { codec: 'bzip2', label: 'bunzip2' },
  xz: { codec: 'xz', label: 'unxz' },
  lzma: { codec: 'lzma', label: 'unlzma' },
  lz4: { codec: 'lz4', label: 'unlz4' },
};

export const compressedScanner: Scanner = {
  id: SCANNER,
  formats: Object.keys(CODECS) as FormatId[],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const head = src.read(0, 64);
    const format = compressionByMagic(head) ?? compressionByHeader(head);
    const known = format ? CODECS[format] : undefined;
    if (!known) throw new Error(`the compressed scanner was handed ${format ?? 'unrecognised'} data`);
    const { codec, label } = known;
    const start = codec === 'zlib' && src.read(0, 2).toString('latin1') === 'ZF' ? ZF_HEADER : 0;
    const member = joinMember(ctx.member, label);
    const opened = await decompressMember(codec, src, start, src.size - start, ctx, SCANNER, member);
    if ('error' in opened) {
      // Two bytes that merely pass zlib's header check (text starting "x^") and inflate to nothing are no
      // zlib stream for any loader either.
      if (opened.error.kind === 'parse' && codec === 'zlib' && start === 0 && opened.produced === 0) return { findings: [], errors: [] };
      return { findings: opened.finding ? [opened.finding] : [], errors: [opened.error] };
    }
    try {
      const outcome = await ctx.scanNested(opened.source, label);
      const errors = opened.damage ? [opened.damage, ...outcome.errors] : [...outcome.errors];
      if (!outcome.scanned && outcome.formats.length > 0) {
        errors.push({ path: ctx.path, scanner: SCANNER, kind: 'unsupported', member, message: `the ${codec} data holds ${outcome.formats.join(' + ')}, which this version cannot scan` });
      }
      return { findings: outcome.findings, errors };
    } finally {
      opened.dispose();
    }
  },
};

export const sevenZipScanner: Scanner = {
  id: SCANNER,
  formats: ['7z'],
  async scan(_src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const e = { path: ctx.path, scanner: SCANNER, kind: 'unsupported' as const, message: '7z archives cannot be read by this version: the content was not analysed (extract it and scan the result)' };
    return { findings: [], errors: ctx.member === undefined ? [e] : [{ ...e, member: ctx.member }] };
  },
};
