/**
 * What a scanner is: bytes in, findings and errors out. A scanner knows formats, never where the bytes came
 * from (a file, a git blob, an LFS object, a payload nested in another file).
 */
import type { ByteSource } from '../io/byte-source.js';
import type { Limits } from '../engine/limits.js';
import type { Finding, FormatId, ScanError } from '../types.js';
import type { PicklePolicyOptions } from './pickle/policy-options.js';

export interface ScannerOutput {
  findings: Finding[];
  errors: ScanError[];
}

/** The outcome of scanning bytes nested in an artifact, through the whole engine (sniff + registry). */
export interface NestedOutcome extends ScannerOutput {
  formats: FormatId[];
  /** False when no scanner could read the payload. */
  scanned: boolean;
}

/** What one top-level artifact may still spend, shared by everything nested in it. */
export interface ScanBudget {
  /** Bytes decompression may still produce (zip members, gzip/zlib wrappers, at any depth). */
  decompressed: number;
  /** Opcodes the search for hidden pickles may still run, over every pickle stream at any depth. */
  searchOpcodes: number;
}

export interface ScanContext {
  /** The artifact's path, for findings. */
  path: string;
  /** Chain of members or nested payloads inside the artifact (`a:b`), undefined at top level. */
  member?: string;
  depth: number;
  limits: Limits;
  pickle: PicklePolicyOptions;
  budget: ScanBudget;
  /** Scans nested bytes as an artifact of their own; `label` names them inside this one. */
  scanNested(src: ByteSource, label: string): Promise<NestedOutcome>;
}

export interface Scanner {
  readonly id: string;
  readonly formats: readonly FormatId[];
  scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput>;
}

export function joinMember(parent: string | undefined, child: string): string {
  return parent === undefined ? child : `${parent}:${child}`;
}
