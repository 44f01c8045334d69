/**
 * Which scanner reads which format. Adding a format means one scanner file and one line here.
 * Formats the sniffer recognises but no line names are reported as not scanned, never as clean.
 *
 * Scanners are imported on first use: a hook that meets only text files, or only pickles, never loads
 * protobufjs, the HDF5 worker or the zip reader. test/engine/registry.test.ts checks each line's formats
 * against the scanner it loads.
 */
import type { Scanner } from '../scanners/scanner.js';
import type { FormatId } from '../types.js';

interface RegistryLine {
  formats: readonly FormatId[];
  load: () => Promise<Scanner>;
}

export const REGISTRY: readonly RegistryLine[] = [
  { formats: ['pickle'], load: async () => (await import('../scanners/pickle/index.js')).pickleScanner },
  { formats: ['zip'], load: async () => (await import('../scanners/zip/index.js')).zipScanner },
  { formats: ['tar'], load: async () => (await import('../scanners/tar.js')).tarScanner },
  { formats: ['numpy'], load: async () => (await import('../scanners/numpy.js')).numpyScanner },
  { formats: ['gzip', 'zlib', 'bz2', 'xz', 'lzma', 'lz4'], load: async () => (await import('../scanners/compressed.js')).compressedScanner },
  { formats: ['7z'], load: async () => (await import('../scanners/compressed.js')).sevenZipScanner },
  { formats: ['hdf5'], load: async () => (await import('../scanners/keras-h5/index.js')).kerasH5Scanner },
  { formats: ['tf-savedmodel'], load: async () => (await import('../scanners/savedmodel/index.js')).savedModelScanner },
  { formats: ['tf-graphdef'], load: async () => (await import('../scanners/savedmodel/index.js')).graphDefScanner },
  { formats: ['keras-metadata'], load: async () => (await import('../scanners/savedmodel/index.js')).kerasMetadataScanner },
  { formats: ['onnx'], load: async () => (await import('../scanners/onnx/index.js')).onnxScanner },
  { formats: ['gguf'], load: async () => (await import('../scanners/gguf/index.js')).ggufScanner },
  { formats: ['safetensors'], load: async () => (await import('../scanners/safetensors.js')).safetensorsScanner },
  { formats: ['tokenizer-config'], load: async () => (await import('../scanners/template/index.js')).tokenizerConfigScanner },
  { formats: ['jinja-template'], load: async () => (await import('../scanners/template/index.js')).jinjaTemplateScanner },
];

const BY_FORMAT = new Map<FormatId, RegistryLine>();
for (const line of REGISTRY) for (const f of line.formats) BY_FORMAT.set(f, line);
const loaded = new Map<RegistryLine, Promise<Scanner>>();

export async function scannerFor(format: FormatId): Promise<Scanner | undefined> {
  const line = BY_FORMAT.get(format);
  if (!line) return undefined;
  let scanner = loaded.get(line);
  if (!scanner) {
    scanner = line.load();
    loaded.set(line, scanner);
  }
  return scanner;
}

export function supportedFormats(): FormatId[] {
  return [...BY_FORMAT.keys()];
}
