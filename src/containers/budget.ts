/**
 * Decompression on behalf of a scanner: the per-stream limits from Limits.archive and the artifact-wide
 * budget in ScanContext, with the outcome turned into a finding (a bomb) or an error (a limit, corrupt data).
 */
import type { ByteSource } from '../io/byte-source.js';
import type { ScanContext } from '../scanners/scanner.js';
import type { Finding, ScanError } from '../types.js';
import { decompress, type Codec } from './decompress.js';

/**
 * The decompressed bytes (with `damage` when the stream broke after producing them: they are analysed, and
 * the break is reported), or why there are none.
 */
export type Opened = { source: ByteSource; dispose(): void; damage?: ScanError } | { finding?: Finding; error: ScanError; produced: number };

export async function decompressMember(codec: Codec, src: ByteSource, start: number, length: number, ctx: ScanContext, scanner: string, member: string): Promise<Opened> {
  const a = ctx.limits.archive;
  const maxOutput = Math.min(a.maxMemberOutput, ctx.budget.decompressed);
  const error = (kind: ScanError['kind'], message: string): ScanError => ({ path: ctx.path, scanner, kind, member, message });
  if (maxOutput <= 0) return { produced: 0, error: error('limit', `not decompressed: this file already decompressed ${a.maxTotalDecompressed} bytes, the limit for one artifact`) };
  const r = await decompress(codec, src, start, length, { maxOutput, maxRatio: a.maxRatio, ratioFloor: a.ratioFloor, spillAbove: a.spillAbove, maxWindow: a.maxWindow });
  if (r.ok) {
    ctx.budget.decompressed -= r.source.size;
    const { source, dispose } = r;
    if (r.damage === undefined) return { source, dispose };
    return { source, dispose, damage: error('parse', `${member} ${r.damage}; the ${source.size} bytes before the break were analysed`) };
  }
  ctx.budget.decompressed -= r.produced;
  if (r.reason === 'bomb') {
    return {
      produced: r.produced,
      finding: {
        severity: 'HIGH',
        rule: 'archive/compression-bomb',
        scanner,
        path: ctx.path,
        location: { member },
        description: `${member} ${r.message}: a decompression bomb; it was not analysed`,
      },
      error: error('limit', `${member} was not analysed: it ${r.message}`),
    };
  }
  const kind = r.reason === 'limit' ? 'limit' : r.reason === 'unsupported' ? 'unsupported' : 'parse';
  return { produced: r.produced, error: error(kind, `${member} ${r.message}; it was not analysed`) };
}
