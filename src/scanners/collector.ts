/**
 * Findings and errors of a container scanner, named by member: `member` is relative to the archive being
 * scanned and joined to the chain it sits in (`outer.zip:inner.zip:data.pkl`).
 */
import type { Finding, ScanError, Severity } from '../types.js';
import { joinMember, type ScanContext, type ScannerOutput } from './scanner.js';

export class Collector implements ScannerOutput {
  readonly findings: Finding[] = [];
  readonly errors: ScanError[] = [];
  constructor(
    private readonly ctx: ScanContext,
    private readonly scanner: string,
  ) {}

  private memberOf(member: string | undefined): string | undefined {
    return member === undefined ? this.ctx.member : joinMember(this.ctx.member, member);
  }

  finding(severity: Severity, rule: string, member: string | undefined, description: string, offset?: number): void {
    const location: Finding['location'] = {};
    const m = this.memberOf(member);
    if (m !== undefined) location.member = m;
    if (offset !== undefined) location.offset = offset;
    this.findings.push({ severity, rule, scanner: this.scanner, path: this.ctx.path, location, description });
  }

  error(kind: ScanError['kind'], member: string | undefined, message: string): void {
    const e: ScanError = { path: this.ctx.path, scanner: this.scanner, kind, message };
    const m = this.memberOf(member);
    if (m !== undefined) e.member = m;
    this.errors.push(e);
  }

  add(out: ScannerOutput, keepErrors = true): void {
    this.findings.push(...out.findings);
    if (keepErrors) this.errors.push(...out.errors);
  }

  get output(): ScannerOutput {
    return { findings: this.findings, errors: this.errors };
  }
}
