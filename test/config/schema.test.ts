import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from '../../src/config/schema.js';

const bad = (raw: unknown) => {
  try {
    validateConfig(raw, 'cfg.json');
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('config validation', () => {
  it('accepts failOn and pickle allow/deny entries', () => {
    const c = validateConfig(
      {
        failOn: 'high',
        pickle: {
          allow: [{ module: 'mylab.models', names: ['Net'], reason: 'our model class' }],
          deny: [{ module: 'mylab.unsafe', names: '*', severity: 'CRITICAL', reason: 'runs shell' }],
        },
      },
      'cfg.json',
    );
    expect(c.failOn).toBe('HIGH');
    expect(c.pickle?.allow?.[0]).toEqual({ module: 'mylab.models', names: ['Net'], reason: 'our model class' });
    expect(c.pickle?.deny?.[0]?.severity).toBe('CRITICAL');
  });

  it('names the key and the expected value when something is wrong', () => {
    expect(bad({ failOn: 'SEVERE' })).toMatch(/failOn: expected one of LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"/);
    expect(bad({ pickel: {} })).toMatch(/cfg\.json\.pickel: unknown key/);
    expect(bad({ pickle: { allow: [{ module: 'x', names: ['A'] }] } })).toMatch(/pickle\.allow\[0\]\.reason: expected a non-empty string/);
    expect(bad({ pickle: { allow: [{ module: 'not a module', names: ['A'], reason: 'r' }] } })).toMatch(/pickle\.allow\[0\]\.module: expected a dotted module path/);
    expect(bad({ pickle: { deny: [{ module: 'x', names: 'classes', severity: 'HIGH', reason: 'r' }] } })).toMatch(/pickle\.deny\[0\]\.names/);
    expect(bad([])).toMatch(/top level/);
  });
});
