/** Reports Keras configuration problems through the scanner that found the configuration (H5, keras_metadata.pb). */
import type { FormatLimits } from '../../engine/limits.js';
import { reportThrown, type Emitter } from '../emit.js';
import { checkKerasTree, type TreeCheck } from './config-check.js';
import { parseJsonText } from './json-text.js';

export function emitTreeCheck(em: Emitter, check: TreeCheck): void {
  for (const i of check.issues) em.finding(i.severity, i.rule, i.description, i);
  if (check.limitHit) em.error('limit', check.limitHit);
}

/** Parses one configuration JSON text and checks it; a broken text is an error of its own, the rest goes on. */
export function checkKerasJson(em: Emitter, text: string, label: string, limits: FormatLimits): void {
  try {
    emitTreeCheck(em, checkKerasTree(parseJsonText(text, label, limits.maxJsonBytes), label, limits));
  } catch (err) {
    reportThrown(em, err);
  }
}
