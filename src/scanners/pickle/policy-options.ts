/** User extensions of the pickle policy (from config or the library API). */
import type { AllowEntry, DenyEntry } from './policy-data.js';

export interface PicklePolicyOptions {
  /** Extra globals known safe in this project (e.g. its own model classes). Deny still wins. */
  allow?: readonly AllowEntry[];
  /** Extra globals to treat as dangerous. */
  deny?: readonly DenyEntry[];
  /**
   * The pickle is one of a TorchScript archive's (data.pkl, constants.pkl, *.debug_pkl), read by torch's C++
   * unpickler: `__torch__.*` names classes compiled from the archive's code/ (checked on their own) and
   * torch.jit._pickle.build_* rebuild lists. Set by the zip scanner, never by configuration.
   */
  torchScript?: boolean;
}
