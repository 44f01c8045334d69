/** Every bound the engine enforces, in one place. Hitting one is an explicit error, never a silent pass. */
import { DEFAULT_VM_LIMITS } from '../scanners/pickle/vm.js';
import type { StreamLimits } from '../scanners/pickle/stream.js';

export interface Limits {
  pickle: StreamLimits;
  /** How deep payloads may nest (a pickle handed to pickle.loads inside a pickle is depth 1). */
  maxNestingDepth: number;
  /** Largest nested payload materialised in memory (payloads stored verbatim are read in place instead). */
  maxNestedPayloadBytes: number;
  archive: ArchiveLimits;
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
}

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
  },
};
