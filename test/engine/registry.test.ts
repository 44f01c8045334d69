import { describe, expect, it } from 'vitest';
import { REGISTRY, scannerFor, supportedFormats } from '../../src/engine/registry.js';

describe('registry', () => {
  it('each line names exactly the formats its scanner declares, and no format has two lines', async () => {
    const seen = new Set<string>();
    for (const line of REGISTRY) {
      const scanner = await line.load();
      for (const f of line.formats) {
        expect(scanner.formats, `${scanner.id} for ${f}`).toContain(f);
        expect(seen.has(f), `${f} registered twice`).toBe(false);
        seen.add(f);
      }
      for (const f of scanner.formats) expect(line.formats, `${scanner.id} declares ${f}`).toContain(f);
    }
    expect(supportedFormats().sort()).toEqual([...seen].sort());
  });

  it('gives no scanner for a format nobody reads, and the same scanner object on every call', async () => {
    expect(await scannerFor('not-a-format' as never)).toBeUndefined();
    expect(await scannerFor('zip')).toBe(await scannerFor('zip'));
  });
});
