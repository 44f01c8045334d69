/**
 * Which scanner reads which format. Adding a format means one scanner file and one line here.
 * Formats the sniffer recognises but no line names are reported as not scanned, never as clean.
 */
import { ggufScanner } from '../scanners/gguf/index.js';
import { kerasH5Scanner } from '../scanners/keras-h5/index.js';
import { onnxScanner } from '../scanners/onnx/index.js';
import { pickleScanner } from '../scanners/pickle/index.js';
import { safetensorsScanner } from '../scanners/safetensors.js';
import { graphDefScanner, kerasMetadataScanner, savedModelScanner } from '../scanners/savedmodel/index.js';
import type { Scanner } from '../scanners/scanner.js';
import { jinjaTemplateScanner, tokenizerConfigScanner } from '../scanners/template/index.js';
import { zipScanner } from '../scanners/zip/index.js';
import { compressedScanner, unsupportedCompressionScanner } from '../scanners/compressed.js';
import { numpyScanner } from '../scanners/numpy.js';
import { tarScanner } from '../scanners/tar.js';
import type { FormatId } from '../types.js';

const SCANNERS: readonly Scanner[] = [
  pickleScanner,
  zipScanner,
  tarScanner,
  numpyScanner,
  compressedScanner,
  unsupportedCompressionScanner,
  kerasH5Scanner,
  savedModelScanner,
  graphDefScanner,
  kerasMetadataScanner,
  onnxScanner,
  ggufScanner,
  safetensorsScanner,
  tokenizerConfigScanner,
  jinjaTemplateScanner,
];

const BY_FORMAT = new Map<FormatId, Scanner>();
for (const s of SCANNERS) for (const f of s.formats) BY_FORMAT.set(f, s);

export function scannerFor(format: FormatId): Scanner | undefined {
  return BY_FORMAT.get(format);
}

export function supportedFormats(): FormatId[] {
  return [...BY_FORMAT.keys()];
}
