/** How our severities read in other tools' vocabularies (SARIF levels, GitHub's security-severity scores). */
import type { Severity } from '../types.js';

/** SARIF result levels: GitHub shows error / warning / note. */
export const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
};

/**
 * GitHub code scanning maps `security-severity` to its labels: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium,
 * 0.1-3.9 low. One score inside each band.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  CRITICAL: '9.5',
  HIGH: '8.0',
  MEDIUM: '5.5',
  LOW: '2.0',
};
