/**
 * Which scanner reads which format. Adding a format means one scanner file and one line here.
 * Formats the sniffer recognises but no line names are reported as not scanned, never as clean.
 */
import { pickleScanner } from '../scanners/pickle/index.js';
import type { Scanner } from '../scanners/scanner.js';
import { zipScanner } from '../scanners/zip/index.js';
import { compressedScanner, unsupportedCompressionScanner } from '../scanners/compressed.js';
import { numpyScanner } from '../scanners/numpy.js';
import { tarScanner } from '../scanners/tar.js';
import type { FormatId } from '../types.js';

const SCANNERS: readonly Scanner[] = [pickleScanner, zipScanner, tarScanner, numpyScanner, compressedScanner, unsupportedCompressionScanner];

const BY_FORMAT = new Map<FormatId, Scanner>();
for (const s of SCANNERS) for (const f of s.formats) BY_FORMAT.set(f, s);

export function scannerFor(format: FormatId): Scanner | undefined {
  return BY_FORMAT.get(format);
}

export function supportedFormats(): FormatId[] {
  return [...BY_FORMAT.keys()];
}
