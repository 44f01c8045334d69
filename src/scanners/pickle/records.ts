/** What the VM learns about each global and each structural oddity, before it becomes a user-facing Finding. */
import type { GlobalUse, Severity } from '../../types.js';

export type GlobalVerdict = 'safe' | 'dangerous' | 'unknown' | 'extension';

export interface GlobalRecord {
  /** As CPython's find_class receives them, after the protocol < 3 `_compat_pickle` renames. */
  readonly module: string;
  readonly name: string;
  readonly verdict: GlobalVerdict;
  /** null for safe globals. */
  readonly severity: Severity | null;
  reason: string;
  /** dill / cloudpickle / types code rebuilders. */
  readonly codeBearing: boolean;
  readonly importOffset: number;
  use: GlobalUse;
  /** Offset of the opcode that used it most actively (REDUCE, BUILD, ...); null while only imported. */
  useOffset: number | null;
}

const USE_RANK: Record<GlobalUse, number> = { imported: 0, 'build-target': 1, mutated: 2, called: 3 };

export function noteUse(rec: GlobalRecord, use: GlobalUse, offset: number): void {
  if (USE_RANK[use] > USE_RANK[rec.use]) {
    rec.use = use;
    rec.useOffset = offset;
  }
}

/** A finding about the stream's structure rather than about one global's identity. */
export interface StructuralFinding {
  readonly rule:
    | 'pickle/dynamic-global'
    | 'pickle/build-on-import'
    | 'pickle/mutation-of-import'
    | 'pickle/indirect-call'
    | 'pickle/frame-divergence'
    | 'pickle/nested-loader';
  readonly severity: Severity;
  readonly offset: number;
  readonly description: string;
  readonly module?: string;
  readonly operator?: string;
}
