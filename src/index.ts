/** The library API of modelscan-guard. */
export { scanPaths, scanBytes, version, type ScanOptions } from './api.js';
export { scanArtifact, type EngineOptions } from './engine/scan.js';
export { sniff } from './engine/sniff.js';
export { exitCode, tally, EXIT, type ExitCode, type Tally } from './engine/verdict.js';
export { DEFAULT_LIMITS, type Limits } from './engine/limits.js';
export { renderConsole } from './report/console.js';
export { renderJson } from './report/json.js';
export { renderSarif } from './report/sarif.js';
export { renderJunit } from './report/junit.js';
export { renderMarkdown } from './report/markdown.js';
export { renderReport, REPORT_FORMATS, type ReportFormat } from './report/render.js';
export type { RunReport } from './report/model.js';
export { RULES, ruleDoc, type RuleDoc } from './rules.js';
export { BufferSource, FileSource, SliceSource, type ByteSource } from './io/byte-source.js';
export type { AllowEntry, DenyEntry } from './scanners/pickle/policy-data.js';
export * from './types.js';
