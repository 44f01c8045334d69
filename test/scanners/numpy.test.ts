/** The .npy header: a bounded literal parser (never eval) and the dtype rules that decide header-only vs pickle. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { describeDtype, LiteralError, parseLiteral, readNpyHeader } from '../../src/scanners/numpy.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'containers');

function npy(header: string, version = 1, body: Buffer = Buffer.alloc(0)): Buffer {
  const h = Buffer.from(header, version === 3 ? 'utf8' : 'latin1');
  const pre = Buffer.alloc(version === 1 ? 10 : 12);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = version;
  if (version === 1) pre.writeUInt16LE(h.length, 8);
  else pre.writeUInt32LE(h.length, 8);
  return Buffer.concat([pre, h, body]);
}

describe('npy header literal', () => {
  it('parses what np.save writes', () => {
    const v = parseLiteral("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }");
    expect(v).toBeInstanceOf(Map);
    const m = v as Map<string, unknown>;
    expect(m.get('descr')).toBe('<f8');
    expect(m.get('fortran_order')).toBe(false);
    expect(m.get('shape')).toEqual({ tuple: [3, 4] });
  });

  it('refuses anything that is not a plain literal', () => {
    for (const bad of ["__import__('os').system('x')", "{'a': f(1)}", "{'a': 1", "{1: 2}", "[" .repeat(100) + ']'.repeat(100)]) {
      expect(() => parseLiteral(bad), bad).toThrow(LiteralError);
    }
  });

  it('sees objects inside structured and sub-array dtypes, and sizes them', () => {
    expect(describeDtype('<f8')).toEqual({ hasObject: false, itemsize: 8 });
    expect(describeDtype('|O')).toEqual({ hasObject: true, itemsize: 8 });
    expect(describeDtype('<U3')).toEqual({ hasObject: false, itemsize: 12 });
    const structured = parseLiteral("[('a', '<f8'), ('b', '|O', (2,))]");
    expect(describeDtype(structured)).toEqual({ hasObject: true, itemsize: 24 });
  });
});

describe('npy scanner', () => {
  it('costs only the header for numeric arrays, in every format version', async () => {
    for (const version of [1, 2, 3]) {
      const f = npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 2), }\n", version, Buffer.alloc(16));
      const h = readNpyHeader(new BufferSource(f));
      expect(h.hasObject).toBe(false);
      expect(h.dataOffset + h.count * h.itemsize).toBe(f.length);
      const r = await scanBytes(f, 'a.npy');
      expect(r.findings).toEqual([]);
      expect(r.errors).toEqual([]);
    }
  });

  it('reports a header declaring more data than the file holds, and a broken header', async () => {
    const short = await scanBytes(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }\n", 1, Buffer.alloc(8)), 'a.npy');
    expect(short.errors.map((e) => e.kind)).toEqual(['parse']);
    const broken = await scanBytes(npy("{'descr': eval('x'), 'fortran_order': False, 'shape': (1,), }\n"), 'a.npy');
    expect(broken.errors[0]?.message).toMatch(/header cannot be read/);
  });

  it('analyses the pickle after an object-dtype header (fixture from np.save)', async () => {
    const r = await scanBytes(readFileSync(join(FIX, 'malicious/numpy/object_v2.npy')), 'x.npy');
    expect(r.findings.some((f) => f.operator === 'system')).toBe(true);
    expect(r.findings[0]?.location?.member).toBe('object-array');
  });
});
