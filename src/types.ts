/**
 * Core types of the data flow: Source → Artifact → sniff → Scanner → Finding → Policy → Report.
 * Kept in one file so every room of the house speaks the same words.
 */
import type { ByteSource } from './io/byte-source.js';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Formats the sniffer can recognise from bytes. Not all of them have a scanner yet. */
export const FORMATS = [
  'pickle',
  'zip',
  'tar',
  'gzip',
  'bz2',
  'xz',
  /** The legacy .lzma ("alone") format: no magic number, a header that checks out (joblib's 'lzma'). */
  'lzma',
  'zlib',
  'lz4',
  '7z',
  'hdf5',
  'numpy',
  'gguf',
  'safetensors',
  'onnx',
  'tf-savedmodel',
  /** A TF1 frozen GraphDef in a `.pb` (by its first node's shape: name then op). */
  'tf-graphdef',
  /** A SavedModel's keras_metadata.pb (recognised by name: a protobuf has no magic number). */
  'keras-metadata',
  'protobuf',
  /** tokenizer_config.json / chat_template.json: JSON that may carry a Jinja chat template (by name). */
  'tokenizer-config',
  /** chat_template.jinja (by name). */
  'jinja-template',
] as const;
export type FormatId = (typeof FORMATS)[number];

/** Where an artifact's bytes came from. */
export type ArtifactOrigin = 'file' | 'git-blob' | 'lfs-object' | 'nested';

/** One thing to scan: a file, a blob, an LFS object, or a payload nested in another artifact. */
export interface Artifact {
  /** The path a user recognises (relative to what they asked to scan, or the repository path). */
  path: string;
  origin: ArtifactOrigin;
  size: number;
  /** Commit that introduced it, when the source knows. */
  commit?: string;
  /** The content's sha256 when the source already knows it (an LFS oid), so it is never recomputed. */
  sha256?: string;
  /** Opens random-access reads over the content. The caller closes what it opens. */
  open(): ByteSource;
}

/** How a pickle global is used where it is found. Ordered from least to most active. */
export type GlobalUse = 'imported' | 'build-target' | 'mutated' | 'called';

export interface Finding {
  severity: Severity;
  /** Stable rule id, e.g. `pickle/dangerous-global`. See src/rules.ts. */
  rule: string;
  /** Scanner id, e.g. `pickle`. */
  scanner: string;
  path: string;
  location?: {
    /** Archive member or nested payload, `outer:inner` when nested deeper. */
    member?: string;
    /** Byte offset of the opcode (or structure) in the artifact or member. */
    offset?: number;
  };
  module?: string;
  operator?: string;
  use?: GlobalUse;
  description: string;
}

export type ScanErrorKind = 'parse' | 'limit' | 'unsupported' | 'unresolved-lfs' | 'io';

export interface ScanError {
  path: string;
  scanner: string;
  kind: ScanErrorKind;
  member?: string;
  offset?: number;
  message: string;
}

/** Why an artifact was not scanned at all. Never called "clean". */
export interface Skip {
  path: string;
  category: 'unrecognised-format' | 'no-scanner' | 'excluded' | 'empty' | 'not-a-regular-file';
  description: string;
}

export interface ScanResult {
  artifact: Artifact;
  /** Formats found in the bytes (first is the primary one); empty when nothing was recognised. */
  formats: FormatId[];
  /** sha256 of the whole content, hex. */
  sha256: string;
  findings: Finding[];
  errors: ScanError[];
  /** Present when the artifact was not scanned. */
  skipped?: Skip;
}
