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

describe('config for the git modes', () => {
  it('accepts include/exclude, allow, lfs and limits, and merges limits over the defaults', async () => {
    const { effectiveLimits } = await import('../../src/config/schema.js');
    const { DEFAULT_LIMITS } = await import('../../src/engine/limits.js');
    const sha = 'a'.repeat(64);
    const c = validateConfig(
      { include: ['models/**'], exclude: ['vendor/**'], allow: [{ sha256: sha.toUpperCase(), reason: 'reviewed' }], lfs: { missing: 'fetch', verify: true }, limits: { maxNestingDepth: 3, pickle: { maxOpcodes: 1000 } } },
      'cfg.json',
    );
    expect(c.allow).toEqual([{ sha256: sha, reason: 'reviewed' }]);
    expect(c.lfs).toEqual({ missing: 'fetch', verify: true });
    const l = effectiveLimits(c.limits);
    expect(l.maxNestingDepth).toBe(3);
    expect(l.pickle.maxOpcodes).toBe(1000);
    expect(l.pickle.maxStack).toBe(DEFAULT_LIMITS.pickle.maxStack);
    expect(l.maxNestedPayloadBytes).toBe(DEFAULT_LIMITS.maxNestedPayloadBytes);
  });

  it('names the key and the expected value on every mistake', () => {
    expect(bad({ lfs: { missing: 'maybe' } })).toMatch(/lfs\.missing: expected one of block, warn, fetch, got "maybe"/);
    expect(bad({ lfs: { verify: 'yes' } })).toMatch(/lfs\.verify: expected true or false/);
    expect(bad({ lfs: { fetchAll: true } })).toMatch(/lfs\.fetchAll: unknown key/);
    expect(bad({ include: 'models/**' })).toMatch(/include: expected a list of glob patterns/);
    expect(bad({ allow: [{ sha256: 'abc', reason: 'x' }] })).toMatch(/allow\[0\]\.sha256: expected 64 hex digits/);
    expect(bad({ allow: [{ sha256: 'a'.repeat(64) }] })).toMatch(/allow\[0\]\.reason: expected a non-empty string/);
    expect(bad({ limits: { maxNestingDepth: -1 } })).toMatch(/limits\.maxNestingDepth: expected a positive whole number/);
    expect(bad({ limits: { pickle: { maxBananas: 1 } } })).toMatch(/limits\.pickle\.maxBananas: unknown key/);
  });
});
