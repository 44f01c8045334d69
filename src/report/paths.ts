/**
 * Where report paths are relative to: the repository root for the git modes (paths are repository paths
 * already), otherwise the input directory (or an input file's directory), as modelscan does.
 */
import { statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { RunReport } from './model.js';

/** modelscan reports paths relative to the input directory (or an input file's directory). */
export function reportBase(report: Pick<RunReport, 'inputs' | 'root'>): string {
  if (report.root !== undefined) return report.root;
  if (report.inputs.length !== 1) return process.cwd();
  const abs = resolve(report.inputs[0]!);
  try {
    return statSync(abs).isDirectory() ? abs : dirname(abs);
  } catch {
    return dirname(abs);
  }
}

/** A report path for `path`: relative to the base, with `/` separators on every platform. */
export function reportPath(report: Pick<RunReport, 'inputs' | 'root'>, base: string, path: string): string {
  if (report.root !== undefined) return path;
  const r = relative(base, resolve(path)) || path;
  return sep === '/' ? r : r.split(sep).join('/');
}
