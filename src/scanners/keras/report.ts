/** Turns a Keras tree check into findings and errors of the scanner that found the tree (H5, keras_metadata.pb). */
import type { Emitter } from '../emit.js';
import type { TreeCheck } from './config-check.js';

export function emitTreeCheck(em: Emitter, check: TreeCheck): void {
  for (const i of check.issues) em.finding(i.severity, i.rule, i.description, i);
  if (check.limitHit) em.error('limit', check.limitHit);
}
