import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes, scanPaths } from '../../src/api.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import { hdf5Cause } from '../../src/scanners/keras-h5/index.js';
import { h5Reader } from '../../src/scanners/keras-h5/reader.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const fx = (rel: string) => join(FIXTURES, rel);
const ourTempDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('modelscan-guard-'));

describe('Keras H5 through the isolated reader', () => {
  it('reads bytes that are not a file through a private temp copy, removed afterwards', async () => {
    const before = ourTempDirs().length;
    const r = await scanBytes(readFileSync(fx('malicious/formats/keras_h5/lambda_sequential.h5')), 'member.h5');
    expect(r.findings.map((f) => f.rule)).toContain('keras/lambda-layer');
    expect(ourTempDirs().length).toBe(before);
  });

  it('a read that outlives its timeout is killed and reported, and the next file gets a fresh reader', async () => {
    h5Reader().close(); // a cold reader needs ~0.3 s to load h5wasm: far above the 1 ms allowed
    const tight: Limits = { ...DEFAULT_LIMITS, formats: { ...DEFAULT_LIMITS.formats, h5TimeoutMs: 1 } };
    const slow = await scanPaths([fx('benign/formats/keras_h5/sequential_dense.h5')], { limits: tight });
    expect(slow.results[0]!.errors[0]).toMatchObject({ kind: 'limit' });
    expect(slow.results[0]!.errors[0]!.message).toMatch(/did not finish within 1 ms/);
    const next = await scanPaths([fx('malicious/formats/keras_h5/lambda_sequential.h5')]);
    expect(next.results[0]!.findings.length).toBeGreaterThan(0);
  });

  it('a corrupt file is an error for that file only; the files after it are read', async () => {
    const r = await scanPaths([fx('malicious/formats/keras_h5/corrupt_superblock.h5'), fx('malicious/formats/keras_h5/truncated.h5'), fx('benign/formats/keras_h5/weights_only.h5'), fx('malicious/formats/keras_h5/training_config_only.h5')]);
    expect(r.results.map((x) => [x.errors.length > 0, x.findings.length > 0])).toEqual([[true, false], [true, false], [false, false], [false, true]]);
    expect(r.results[1]!.errors[0]!.message).toMatch(/truncated file/);
  });

  it('a configuration larger than the JSON limit is a limit error, not read', async () => {
    const small: Limits = { ...DEFAULT_LIMITS, formats: { ...DEFAULT_LIMITS.formats, maxJsonBytes: 100 } };
    const r = await scanPaths([fx('malicious/formats/keras_h5/lambda_sequential.h5')], { limits: small });
    expect(r.results[0]!.findings).toEqual([]);
    expect(r.results[0]!.errors.map((e) => e.kind)).toEqual(['limit', 'limit']);
    expect(r.results[0]!.errors[0]!.message).toMatch(/model_config is \d+ bytes, more than the 100-byte limit/);
  });

  it('shortens HDF5 error stacks to what failed and why', () => {
    const stack = 'HDF5-DIAG: Error detected\n  #000: a.c line 1 in H5Fopen(): unable to open file\n    major: x\n  #001: b.c line 2 in H5F__super_read(): truncated file: eof = 1\n';
    expect(hdf5Cause(stack)).toBe('H5Fopen: unable to open file … H5F__super_read: truncated file: eof = 1');
    expect(hdf5Cause('plain message')).toBe('plain message');
  });
});
