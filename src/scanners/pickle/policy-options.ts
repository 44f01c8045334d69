/** User extensions of the pickle policy (from config or the library API). */
import type { AllowEntry, DenyEntry } from './policy-data.js';

export interface PicklePolicyOptions {
  /** Extra globals known safe in this project (e.g. its own model classes). Deny still wins. */
  allow?: readonly AllowEntry[];
  /** Extra globals to treat as dangerous. */
  deny?: readonly DenyEntry[];
}
