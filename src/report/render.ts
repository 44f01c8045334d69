/**
 * Report formats by name: the one place `scan`, `diff` and `scan --repo` look a `--format` up, so a format added
 * here is available everywhere.
 */
import { renderConsole } from './console.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import type { RenderOptions, RunReport } from './model.js';
import { renderSarif } from './sarif.js';

export const REPORT_FORMATS = ['console', 'json', 'sarif', 'junit', 'markdown'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export function isReportFormat(s: string): s is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(s);
}

export function renderReport(format: ReportFormat, report: RunReport, opts: RenderOptions): string {
  switch (format) {
    case 'console':
      return renderConsole(report, opts);
    case 'json':
      return renderJson(report);
    case 'sarif':
      return renderSarif(report);
    case 'junit':
      return renderJunit(report);
    case 'markdown':
      return renderMarkdown(report);
  }
}
