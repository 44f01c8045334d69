/**
 * Collects one scanner's findings and errors for one artifact, filling in what every entry repeats
 * (scanner id, artifact path, member inside a container), so format code states only what it found.
 */
import type { Finding, ScanError, ScanErrorKind, Severity } from '../types.js';
import type { ByteSource } from '../io/byte-source.js';
import type { FormatId } from '../types.js';
import type { ScanContext, Scanner, ScannerOutput } from './scanner.js';

export interface FindingExtra {
  offset?: number;
  module?: string;
  operator?: string;
}

export class Emitter {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];

  constructor(
    readonly scanner: string,
    private readonly ctx: Pick<ScanContext, 'path' | 'member'>,
  ) {}

  finding(severity: Severity, rule: string, description: string, extra: FindingExtra = {}): void {
    const f: Finding = { severity, rule, scanner: this.scanner, path: this.ctx.path, description };
    const loc = this.location(extra.offset);
    if (loc) f.location = loc;
    if (extra.module !== undefined) f.module = extra.module;
    if (extra.operator !== undefined) f.operator = extra.operator;
    this.findings.push(f);
  }

  error(kind: ScanErrorKind, message: string, offset?: number): void {
    const e: ScanError = { path: this.ctx.path, scanner: this.scanner, kind, message };
    if (this.ctx.member !== undefined) e.member = this.ctx.member;
    if (offset !== undefined) e.offset = offset;
    this.errors.push(e);
  }

  output(): ScannerOutput {
    return { findings: this.findings, errors: this.errors };
  }

  private location(offset: number | undefined): Finding['location'] | undefined {
    if (this.ctx.member === undefined && offset === undefined) return undefined;
    const loc: NonNullable<Finding['location']> = {};
    if (this.ctx.member !== undefined) loc.member = this.ctx.member;
    if (offset !== undefined) loc.offset = offset;
    return loc;
  }
}

/** Thrown by format parsers for input that breaks the format or a limit; turned into a ScanError by the scanner. */
export class FormatError extends Error {
  constructor(
    readonly kind: 'parse' | 'limit' | 'unsupported',
    message: string,
    readonly offset?: number,
  ) {
    super(message);
  }
}

/** Reports a thrown FormatError (or any unexpected exception, as a parse error) through the emitter. */
export function reportThrown(em: Emitter, err: unknown): void {
  if (err instanceof FormatError) em.error(err.kind, err.message, err.offset);
  else em.error('parse', `could not be parsed: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * A scanner whose body reports through an Emitter and may throw: a FormatError (or anything unexpected)
 * becomes an error of that file, after whatever the body emitted before it threw.
 */
export function formatScanner(id: string, formats: readonly FormatId[], body: (src: ByteSource, ctx: ScanContext, em: Emitter) => void | Promise<void>): Scanner {
  return {
    id,
    formats,
    async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
      const em = new Emitter(id, ctx);
      try {
        await body(src, ctx, em);
      } catch (err) {
        reportThrown(em, err);
      }
      return em.output();
    },
  };
}
