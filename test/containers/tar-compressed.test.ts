/** tar listing, legacy torch formats, and bounded decompression. */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { decompress } from '../../src/containers/decompress.js';
import { listTar, TarFormatError } from '../../src/containers/tar.js';
import { DEFAULT_LIMITS, type Limits } from '../../src/engine/limits.js';
import { BufferSource, FileSource } from '../../src/io/byte-source.js';

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'containers');
const read = (p: string) => readFileSync(join(FIX, p));
const STRICT: Limits = { ...DEFAULT_LIMITS, pickle: { ...DEFAULT_LIMITS.pickle, maxJunkSearch: 0 } };
const LIMITS = { maxOutput: 1 << 30, maxRatio: 1000, ratioFloor: 1 << 20, spillAbove: 1 << 20, maxWindow: 1 << 26 };

describe('tar', () => {
  it('lists members with their data offsets', () => {
    const t = read('benign/tar/model.tar');
    const { members } = listTar(new BufferSource(t), 100);
    expect(members.map((m) => m.name)).toEqual(['model/weights.pkl', 'model/README']);
    expect(t.toString('latin1', members[1]!.dataOffset, members[1]!.dataOffset + 3)).toBe('hi\n');
  });

  it('rejects a header whose checksum is wrong, and reports it as an error', async () => {
    const t = Buffer.from(read('benign/tar/model.tar'));
    t[0] = 0x5a;
    expect(() => listTar(new BufferSource(t), 100)).toThrow(TarFormatError);
    const r = await scanBytes(t, 'x.tar');
    expect(r.errors.length + (r.skipped ? 1 : 0)).toBeGreaterThan(0);
  });

  it('stops at the member limit', async () => {
    const limits: Limits = { ...DEFAULT_LIMITS, archive: { ...DEFAULT_LIMITS.archive, maxEntries: 1 } };
    const r = await scanBytes(read('benign/tar/model.tar'), 'x.tar', { limits });
    expect(r.errors.map((e) => [e.kind, e.member])).toEqual([['limit', 'model/README']]);
  });

  it('reads the legacy torch tar storages and tensors members without searching junk', async () => {
    const r = await scanBytes(read('benign/torch/legacy_tar.pt'), 'x.pt', { limits: STRICT });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });
});

describe('legacy torch.save', () => {
  it('skips exactly the raw storages of every dtype, so nothing is left to search', async () => {
    const r = await scanBytes(read('benign/torch/mixed_dtypes_legacy.pt'), 'x.pt', { limits: STRICT });
    expect(r.findings).toEqual([]);
    expect(r.errors).toEqual([]);
  });

  it('analyses a pickle after the storages as part of the stream', async () => {
    const r = await scanBytes(read('malicious/torch/legacy_evil_after_storages.pt'), 'x.pt', { limits: STRICT });
    const f = r.findings.find((x) => x.operator === 'system');
    expect(f?.description).not.toMatch(/after a pickle ends/);
  });

  it('is an error when a storage declares more elements than the file holds', async () => {
    const data = Buffer.from(read('benign/torch/mixed_dtypes_legacy.pt'));
    // The first storage record follows the keys pickle; its count is 300 (float32 zeros), little-endian.
    const at = data.indexOf(Buffer.from([0x2c, 0x01, 0, 0, 0, 0, 0, 0]));
    expect(at).toBeGreaterThan(0);
    data[at + 4] = 1;
    const r = await scanBytes(data, 'x.pt', { limits: STRICT });
    expect(r.errors.some((e) => /legacy torch file/.test(e.message))).toBe(true);
  });
});

describe('decompress', () => {
  it('keeps small output in memory and spills large output to a private temporary file it removes', async () => {
    const small = await decompress('gzip', new BufferSource(gzipSync(Buffer.from('hello'))), 0, 25, LIMITS);
    expect(small.ok && small.source.read(0, 5).toString()).toBe('hello');
    const bigData = randomBytes(3 << 20);
    const z = deflateSync(bigData);
    const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('modelscan-guard-')));
    const big = await decompress('zlib', new BufferSource(z), 0, z.length, LIMITS);
    expect(big.ok).toBe(true);
    if (!big.ok) return;
    expect(big.source).toBeInstanceOf(FileSource);
    expect(big.source.size).toBe(bigData.length);
    expect(big.source.read(1 << 21, 64)).toEqual(bigData.subarray(1 << 21, (1 << 21) + 64));
    const created = readdirSync(tmpdir()).filter((n) => n.startsWith('modelscan-guard-') && !before.has(n));
    expect(created).toHaveLength(1);
    expect(statSync(join(tmpdir(), created[0]!)).mode & 0o777).toBe(0o700);
    big.dispose();
    expect(existsSync(join(tmpdir(), created[0]!))).toBe(false);
  });

  it('stops at the output limit, at a bomb ratio, and on corrupt data', async () => {
    const z = deflateSync(Buffer.alloc(4 << 20));
    const capped = await decompress('zlib', new BufferSource(z), 0, z.length, { ...LIMITS, maxOutput: 1 << 20 });
    expect(!capped.ok && capped.reason).toBe('limit');
    const bomb = await decompress('zlib', new BufferSource(z), 0, z.length, { ...LIMITS, maxRatio: 10 });
    expect(!bomb.ok && bomb.reason).toBe('bomb');
    const corrupt = await decompress('gzip', new BufferSource(Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7])), 0, 11, LIMITS);
    expect(!corrupt.ok && corrupt.reason).toBe('corrupt');
    // A stream that breaks after producing output: the output is kept (the loader's reader returned it too)
    // and the break is reported with it.
    const truncated = await decompress('zlib', new BufferSource(z), 0, 100, LIMITS);
    expect(truncated.ok && truncated.source.size).toBeGreaterThan(0);
    expect(truncated.ok && truncated.damage).toMatch(/^corrupt zlib data: unexpected end of file/);
    const nothing = await decompress('zlib', new BufferSource(z), 0, 2, LIMITS);
    expect(!nothing.ok && nothing.reason).toBe('corrupt');
  });

  it('decompresses bzip2, xz, .lzma and lz4 with the same bounds and outcomes', async () => {
    const bomb = read('malicious/compressed/bomb.bz2');
    const capped = await decompress('bzip2', new BufferSource(bomb), 0, bomb.length, { ...LIMITS, maxOutput: 4 << 20, ratioFloor: 1 << 30 });
    expect(!capped.ok && capped.reason).toBe('limit');
    const ratio = await decompress('bzip2', new BufferSource(bomb), 0, bomb.length, LIMITS);
    expect(!ratio.ok && ratio.reason).toBe('bomb');
    const corrupt = read('malicious/compressed/corrupt.pkl.bz2');
    const broken = await decompress('bzip2', new BufferSource(corrupt), 0, corrupt.length, LIMITS);
    expect(!broken.ok && broken.reason).toBe('corrupt');
    const xz = read('benign/compressed/model.pkl.xz');
    const tiny = await decompress('xz', new BufferSource(xz), 0, xz.length, { ...LIMITS, maxWindow: 1024 });
    expect(tiny.ok, 'a small stream needs no more window than its output').toBe(true);
    for (const [codec, f] of [['bzip2', 'bz2'], ['xz', 'xz'], ['lzma', 'lzma'], ['lz4', 'lz4']] as const) {
      const data = read(`benign/compressed/model.pkl.${f}`);
      const r = await decompress(codec, new BufferSource(data), 0, data.length, LIMITS);
      expect(r.ok && r.source.read(0, 2)[0], codec).toBe(0x80);
    }
  });

  it('finds the payload in bzip2, xz, .lzma and lz4 files, named or not', async () => {
    for (const ext of ['bz2', 'xz', 'lzma', 'lz4']) {
      for (const f of [`malicious/compressed/evil.pkl.${ext}`, `malicious/compressed/evil_no_extension_${ext}`, `malicious/tar/evil.tar.${ext}`]) {
        const r = await scanBytes(read(f), 'x');
        expect(r.errors, f).toEqual([]);
        expect(r.findings.map((x) => `${x.module}.${x.operator}`), f).toContain('posix.system');
      }
      const ok = await scanBytes(read(`benign/compressed/model.pkl.${ext}`), 'x');
      expect([ok.findings, ok.errors], ext).toEqual([[], []]);
    }
  });
});
