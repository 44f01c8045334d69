/**
 * joblib's raw arrays inside the pickle stream: skipped exactly as NumpyUnpickler reads them, so opcodes after
 * them are analysed; a wrapper that lies about its size is an error, never a silent skip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'containers');
const read = (p: string) => readFileSync(join(FIX, p));
/** No search for pickles in junk: whatever is found must be found by reading the stream as joblib does. */
const STRICT: Limits = { ...DEFAULT_LIMITS, pickle: { ...DEFAULT_LIMITS.pickle, maxJunkSearch: 0 } };

describe('joblib arrays', () => {
  it('reads a numeric-array file end to end without junk search', async () => {
    for (const f of ['benign/joblib/logreg.joblib', 'benign/joblib/arrays.joblib']) {
      const r = await scanBytes(read(f), 'm.joblib', { limits: STRICT });
      expect(r.findings, f).toEqual([]);
      expect(r.errors, f).toEqual([]);
    }
  });

  it('finds the payload after the raw bytes of an array as a regular (not hidden) finding', async () => {
    const r = await scanBytes(read('malicious/joblib/payload_after_array.joblib'), 'm.joblib', { limits: STRICT });
    const f = r.findings.find((x) => x.operator === 'system');
    expect(f).toBeDefined();
    expect(f!.description).not.toMatch(/after a pickle ends/);
  });

  it('analyses the inline pickle of an object array', async () => {
    const r = await scanBytes(read('malicious/joblib/object_array.joblib'), 'm.joblib', { limits: STRICT });
    expect(r.findings.some((x) => x.operator === 'system')).toBe(true);
  });

  it('is an error when the wrapper declares an array past the end of the file', async () => {
    const data = Buffer.from(read('benign/joblib/arrays.joblib'));
    // The 1000-element float64 array: shape (1000,) is written as BININT2 0x03e8; make it 0xffff * … larger.
    const at = data.indexOf(Buffer.from([0x4d, 0xe8, 0x03]));
    expect(at).toBeGreaterThan(0);
    data[at + 2] = 0xff;
    const r = await scanBytes(data, 'm.joblib', { limits: STRICT });
    expect(r.errors.some((e) => /joblib array/.test(e.message))).toBe(true);
  });
});
