/** The verdict cache: keyed by content, engine salt and the name-hint class of the path. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { VerdictCache } from '../../src/engine/cache.js';
import { nameHintClass, SPECIAL_EXTENSIONS, SPECIAL_NAMES } from '../../src/engine/name-hint.js';
import { sniff } from '../../src/engine/sniff.js';
import { BufferSource } from '../../src/io/byte-source.js';
import type { ScanResult } from '../../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'msg-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function result(path: string, over: Partial<ScanResult> = {}): ScanResult {
  return { artifact: { path, origin: 'git-blob', size: 5, open: () => new BufferSource(Buffer.from('hello')) }, formats: [], sha256: '', findings: [], errors: [], ...over };
}

describe('VerdictCache', () => {
  it('keeps verdicts of the same bytes under names the sniffer reads differently apart', () => {
    const cache = new VerdictCache(join(dir, 'a'), 'salt');
    cache.put('blob:1', result('m/x.safetensors', { formats: ['safetensors'], errors: [{ path: 'm/x.safetensors', scanner: 'safetensors', kind: 'parse', message: 'broken header' }] }));
    expect(cache.get('blob:1', 'other/y.SAFETENSORS')?.errors[0]?.path).toBe('other/y.SAFETENSORS');
    expect(cache.get('blob:1', 'notes.txt')).toBeUndefined();
    cache.put('blob:1', result('notes.txt', { skipped: { path: 'notes.txt', category: 'unrecognised-format', description: 'not a model' } }));
    expect(cache.get('blob:1', 'docs/readme.md')?.skipped?.path).toBe('docs/readme.md');
    expect(cache.get('blob:1', 'a/x.safetensors')?.errors).toHaveLength(1);
  });

  it('never caches I/O failures or unresolved LFS objects, and a different salt sees nothing', () => {
    const cache = new VerdictCache(join(dir, 'b'), 'salt');
    cache.put('blob:2', result('a.pkl', { errors: [{ path: 'a.pkl', scanner: 'engine', kind: 'io', message: 'EIO' }] }));
    expect(cache.get('blob:2', 'a.pkl')).toBeUndefined();
    cache.put('blob:3', result('a.pkl', { formats: ['pickle'] }));
    expect(cache.get('blob:3', 'a.pkl')?.formats).toEqual(['pickle']);
    expect(new VerdictCache(join(dir, 'b'), 'other salt').get('blob:3', 'a.pkl')).toBeUndefined();
  });
});

describe('name-hint classes', () => {
  // Bytes whose format sniff.ts decides by name; a neutral name must always give what no name gives.
  const contents = [Buffer.from('{"chat_template": "{{ x }}"}'), Buffer.from('hello {{ world }}\n'), Buffer.from([0x08, 0x01, 0x12, 0x02, 0x0a, 0x00]), Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x61, 0x12, 0x00])];
  const neutral = ['notes.txt', 'model.bin', 'x.json', 'config.json', 'weights.pt', 'saved_model.pb.bak', 'a.onnx.txt', 'pb', 'gguf'];

  it('names of class "" are sniffed exactly as no name at all', () => {
    for (const name of neutral) {
      expect(nameHintClass(`dir/${name}`)).toBe('');
      for (const c of contents) expect(sniff(new BufferSource(c), name).formats, `${name}`).toEqual(sniff(new BufferSource(c), '').formats);
    }
  });

  it('every name the sniffer reads has a class of its own', () => {
    const special = [...SPECIAL_NAMES, ...SPECIAL_EXTENSIONS.map((e) => `m${e}`)];
    const changed = special.filter((name) => contents.some((c) => JSON.stringify(sniff(new BufferSource(c), name).formats) !== JSON.stringify(sniff(new BufferSource(c), '').formats)));
    expect(changed.length).toBeGreaterThan(5);
    for (const name of special) expect(nameHintClass(name.toUpperCase())).not.toBe('');
  });
});
