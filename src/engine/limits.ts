/** Every bound the engine enforces, in one place. Hitting one is an explicit error, never a silent pass. */
import { DEFAULT_VM_LIMITS } from '../scanners/pickle/vm.js';
import type { StreamLimits } from '../scanners/pickle/stream.js';

export interface Limits {
  pickle: StreamLimits;
  /** How deep payloads may nest (a pickle handed to pickle.loads inside a pickle is depth 1). */
  maxNestingDepth: number;
  /** Largest nested payload materialised in memory (payloads stored verbatim are read in place instead). */
  maxNestedPayloadBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  pickle: { ...DEFAULT_VM_LIMITS, maxJunkSearch: 4 * 1024 * 1024, maxSearchOpcodes: 20_000_000 },
  maxNestingDepth: 8,
  maxNestedPayloadBytes: 64 * 1024 * 1024,
};
