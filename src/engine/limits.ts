/** Every bound the engine enforces, in one place. Hitting one is an explicit error, never a silent pass. */
import type { StreamLimits } from '../scanners/pickle/stream.js';

/** Bounds of one run of the pickle VM. */
export interface VmLimits {
  /** Opcodes this run may execute. */
  maxOpcodes: number;
  maxStack: number;
  maxMarks: number;
  maxMemo: number;
}

export const DEFAULT_VM_LIMITS: VmLimits = {
  maxOpcodes: 500_000_000,
  maxStack: 4_000_000,
  maxMarks: 100_000,
  maxMemo: 16_000_000,
};

/** Bounds of the non-pickle formats (Keras, TensorFlow, ONNX, GGUF, safetensors). */
export interface FormatLimits {
  /** Largest JSON text parsed: a Keras config, a safetensors header, a tokenizer_config.json. */
  maxJsonBytes: number;
  /** Deepest nesting walked in a parsed JSON tree or decoded protobuf graph (sub-models, sub-graphs). */
  maxTreeDepth: number;
  /** Most nodes (objects, arrays, strings) visited in one JSON tree. */
  maxTreeNodes: number;
  /** Most bytes of protobuf structure kept in memory (SavedModel, ONNX); tensor bytes are skipped unread. */
  maxProtobufBytes: number;
  /** Most protobuf fields walked in one file (kept or skipped): bounds time on millions of tiny fields. */
  maxProtobufFields: number;
  /** GGUF: key/value pairs, tensor infos, one string, one array's items, the whole metadata section. */
  ggufMaxKv: number;
  ggufMaxTensors: number;
  ggufMaxStringBytes: number;
  ggufMaxArrayItems: number;
  ggufMaxMetadataBytes: number;
  /** A chat template longer than this is not analysed (reported). */
  maxTemplateBytes: number;
  /** How long the isolated HDF5 reader may take for one file before it is killed. */
  h5TimeoutMs: number;
  /** Largest nested HDF5 copied to a private temp file (h5wasm reads only real paths). */
  h5MaxTempCopyBytes: number;
}

export interface Limits {
  pickle: StreamLimits;
  /** How deep payloads may nest (a pickle handed to pickle.loads inside a pickle is depth 1). */
  maxNestingDepth: number;
  /** Largest nested payload materialised in memory (payloads stored verbatim are read in place instead). */
  maxNestedPayloadBytes: number;
  archive: ArchiveLimits;
  formats: FormatLimits;
}

/** Zip, tar and compressed wrappers: bounds on listing and on decompression (zip bombs, 42.zip). */
export interface ArchiveLimits {
  /** Members listed per zip or tar; more is an error naming the first member not listed. */
  maxEntries: number;
  maxCentralDirectoryBytes: number;
  /** Bytes one decompressed stream (zip member, gzip/zlib file) may produce. */
  maxMemberOutput: number;
  /** Bytes all decompression in one top-level artifact may produce, nested archives included. */
  maxTotalDecompressed: number;
  /** Expansion ratio that only a bomb reaches, checked once more than ratioFloor bytes came out. */
  maxRatio: number;
  ratioFloor: number;
  /** Decompressed output kept in memory; beyond it a private temporary file. */
  spillAbove: number;
  /** Largest Python source (TorchScript code/) read for its line check. */
  maxScriptBytes: number;
  /**
   * Largest LZMA dictionary (.xz, .lzma) a stream may make the decoder allocate. xz -9 uses 64 MiB and
   * joblib's default 4 MiB; the format allows 4 GiB, which would be a memory bomb of its own.
   */
  maxWindow: number;
}

export const DEFAULT_FORMAT_LIMITS: FormatLimits = {
  maxJsonBytes: 100 * 1024 * 1024,
  maxTreeDepth: 256,
  maxTreeNodes: 5_000_000,
  maxProtobufBytes: 512 * 1024 * 1024,
  maxProtobufFields: 50_000_000,
  ggufMaxKv: 1_000_000,
  ggufMaxTensors: 1_000_000,
  ggufMaxStringBytes: 64 * 1024 * 1024,
  ggufMaxArrayItems: 16_000_000,
  ggufMaxMetadataBytes: 512 * 1024 * 1024,
  maxTemplateBytes: 1024 * 1024,
  h5TimeoutMs: 15_000,
  h5MaxTempCopyBytes: 4 * 1024 * 1024 * 1024,
};

export const DEFAULT_LIMITS: Limits = {
  pickle: { ...DEFAULT_VM_LIMITS, maxJunkSearch: 4 * 1024 * 1024, maxSearchOpcodes: 20_000_000 },
  maxNestingDepth: 8,
  maxNestedPayloadBytes: 64 * 1024 * 1024,
  archive: {
    maxEntries: 65_536,
    maxCentralDirectoryBytes: 64 * 1024 * 1024,
    maxMemberOutput: 2 * 1024 * 1024 * 1024,
    maxTotalDecompressed: 4 * 1024 * 1024 * 1024,
    maxRatio: 1000,
    ratioFloor: 16 * 1024 * 1024,
    spillAbove: 16 * 1024 * 1024,
    maxScriptBytes: 4 * 1024 * 1024,
    maxWindow: 256 * 1024 * 1024,
  },
  formats: DEFAULT_FORMAT_LIMITS,
};
