/** Every rule the new scanners can report is documented (title, why, fix) in src/rules.ts. */
import { describe, expect, it } from 'vitest';
import { ruleDoc } from '../../src/rules.js';
import { KERAS_RULES } from '../../src/scanners/keras/config-check.js';
import { ONNX_RULES } from '../../src/scanners/onnx/index.js';
import { SAVEDMODEL_RULES } from '../../src/scanners/savedmodel/graph-check.js';
import { TEMPLATE_RULES } from '../../src/scanners/template/jinja-check.js';

describe('rules of the Keras, TensorFlow, ONNX and template scanners', () => {
  for (const id of [...Object.values(KERAS_RULES), ...Object.values(SAVEDMODEL_RULES), ...Object.values(ONNX_RULES), ...Object.values(TEMPLATE_RULES)]) {
    it(`${id} is documented`, () => {
      const doc = ruleDoc(id);
      expect(doc?.title.length).toBeGreaterThan(10);
      expect(doc?.why.length).toBeGreaterThan(20);
      expect(doc?.fix.length).toBeGreaterThan(10);
    });
  }
});
