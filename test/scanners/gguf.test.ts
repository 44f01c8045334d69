import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { DEFAULT_FORMAT_LIMITS } from '../../src/engine/limits.js';
import { parseGguf } from '../../src/scanners/gguf/parse.js';
import { formatErrorOf } from '../helpers/format-error.js';

const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
const u64 = (n: bigint | number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
const str = (s: string, v = 3) => Buffer.concat([v >= 2 ? u64(Buffer.byteLength(s)) : u32(Buffer.byteLength(s)), Buffer.from(s)]);
const kvStr = (k: string, v: string, ver = 3) => Buffer.concat([str(k, ver), u32(8), str(v, ver)]);
const header = (tensors: number | bigint, kvs: number | bigint, v = 3) => Buffer.concat([Buffer.from('GGUF'), u32(v), v >= 2 ? u64(tensors) : u32(Number(tensors)), v >= 2 ? u64(kvs) : u32(Number(kvs))]);
/** One F32 tensor of 4 elements at offset 0, padded to 32 bytes, then its data. */
function withTensor(head: Buffer, dims: number[] = [4], type = 0, offset = 0): Buffer {
  const info = Buffer.concat([str('t'), u32(dims.length), ...dims.map((d) => u64(d)), u32(type), u64(offset)]);
  const meta = Buffer.concat([head, info]);
  const pad = Buffer.alloc((32 - (meta.length % 32)) % 32);
  return Buffer.concat([meta, pad, Buffer.alloc(16)]);
}
const parse = (b: Buffer, limits = DEFAULT_FORMAT_LIMITS) => parseGguf(new BufferSource(b), limits);
const failure = (b: Buffer, limits = DEFAULT_FORMAT_LIMITS) => formatErrorOf(() => parse(b, limits));

describe('GGUF parser', () => {
  it('reads templates and alignment, v3 and v1 layouts', () => {
    const v3 = parse(withTensor(Buffer.concat([header(1, 2), kvStr('general.name', 'x'), kvStr('tokenizer.chat_template', '{{ x }}')])));
    expect(v3.templates.map((t) => [t.key, t.text])).toEqual([['tokenizer.chat_template', '{{ x }}']]);
    const v1 = parse(Buffer.concat([header(0, 1, 1), kvStr('tokenizer.chat_template.rag', 'hi', 1)]));
    expect(v1.templates[0]?.key).toBe('tokenizer.chat_template.rag');
  });

  it('rejects counts and lengths that cannot fit, before allocating', () => {
    expect(failure(header(0, 2n ** 64n - 1n)).kind).toBe('limit');
    expect(failure(header(0, 1000)).message).toMatch(/cannot fit/);
    expect(failure(Buffer.concat([header(0, 1), u64(2n ** 62n), Buffer.from('k'), Buffer.alloc(16)])).message).toMatch(/runs past the end/);
    const small = { ...DEFAULT_FORMAT_LIMITS, ggufMaxStringBytes: 4 };
    expect(failure(Buffer.concat([header(0, 1), kvStr('general.name', 'long value')]), small).kind).toBe('limit');
    expect(failure(Buffer.concat([header(0, 1), str('a'), u32(9), u32(6), u64(2n ** 40n)])).kind).toBe('limit');
    expect(failure(Buffer.concat([header(0, 1), str('a'), u32(9), u32(6), u64(1000)])).message).toMatch(/runs past the end/);
  });

  it('rejects bad values: unknown types, nested arrays, bad alignment, bad versions, truncation', () => {
    expect(failure(Buffer.concat([header(0, 1), str('a'), u32(13), u32(0)])).message).toMatch(/unknown value type 13/);
    expect(failure(Buffer.concat([header(0, 1), str('a'), u32(9), u32(9), u64(1), u32(4), u64(1), u32(0)])).message).toMatch(/arrays of arrays/);
    expect(failure(Buffer.concat([header(0, 1), str('general.alignment'), u32(4), u32(48)])).message).toMatch(/power of two/);
    expect(failure(Buffer.concat([Buffer.from('GGUF'), u32(9), Buffer.alloc(16)])).message).toMatch(/version 9/);
    expect(failure(header(0, 1).subarray(0, 10)).message).toMatch(/truncated/);
  });

  it('checks tensor infos: dimensions, types, alignment and data past the end', () => {
    expect(() => parse(withTensor(header(1, 0)))).not.toThrow();
    expect(failure(withTensor(header(1, 0), [1, 1, 1, 1, 1])).message).toMatch(/5 dimensions/);
    expect(failure(withTensor(header(1, 0), [4], 200)).message).toMatch(/unknown ggml type/);
    expect(failure(withTensor(header(1, 0), [4], 0, 8)).message).toMatch(/multiple of the alignment/);
    expect(failure(withTensor(header(1, 0), [8])).message).toMatch(/past the end/);
    expect(failure(withTensor(header(1, 0), [4], 0, 2 ** 40)).message).toMatch(/past the end/);
  });

  it('judges templates through the scanner, keeping what was read before a structural error', async () => {
    const evil = Buffer.concat([header(1, 1), kvStr('tokenizer.chat_template', "{{ cycler.__init__.__globals__.os.popen('id') }}")]);
    const r = await scanBytes(evil, 'm.gguf');
    expect(r.findings.some((f) => f.rule === 'template/sandbox-escape' && f.severity === 'CRITICAL')).toBe(true);
    expect(r.errors.length).toBeGreaterThan(0);
  });

  it('a template over the size limit is kept aside, not analysed', () => {
    const b = Buffer.concat([header(0, 1), kvStr('tokenizer.chat_template', '{{ a_long_enough_template }}')]);
    const info = parse(b, { ...DEFAULT_FORMAT_LIMITS, maxTemplateBytes: 8 });
    expect(info.templates).toEqual([]);
    expect(info.oversizedTemplates).toEqual(['tokenizer.chat_template']);
  });

  it('a file named .gguf without the magic is an error, not unrecognised', async () => {
    const r = await scanBytes(Buffer.from('not a gguf file at all'), 'model.gguf');
    expect(r.skipped).toBeUndefined();
    expect(r.errors[0]?.message).toMatch(/no GGUF magic/);
  });
});
