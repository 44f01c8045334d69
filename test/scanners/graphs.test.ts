import { describe, expect, it } from 'vitest';
import { basename, join } from 'node:path';
import { scanBytes, scanPaths } from '../../src/api.js';
import { externalDataProblem } from '../../src/scanners/onnx/index.js';
import { checkGraphs, unsafePath, type NodeDef } from '../../src/scanners/savedmodel/graph-check.js';

const strConst = (name: string, ...v: string[]): NodeDef => ({ name, op: 'Const', attr: { value: { tensor: { dtype: 7, string_val: v.map((s) => Buffer.from(s)) } } } });
const rules = (nodes: NodeDef[], fns: { signature: { name: string }; node_def: NodeDef[] }[] = []) =>
  checkGraphs([{ node: nodes, library: { function: fns } }]).map((i) => `${i.severity} ${i.rule}`).sort();

describe('SavedModel graph check', () => {
  it('ranks Python ops, file ops, unsafe constant paths and unknown ops', () => {
    expect(rules([{ name: 'p', op: 'PyFuncStateless' }])).toEqual(['CRITICAL savedmodel/python-op']);
    expect(rules([strConst('f', 'data/x.txt'), { name: 'r', op: 'ReadFile', input: ['f'] }])).toEqual(['HIGH savedmodel/file-io-op']);
    expect(rules([strConst('f', '/etc/shadow'), { name: 'r', op: 'ReadFile', input: ['f:0'] }])).toEqual(['HIGH savedmodel/file-io-op', 'HIGH savedmodel/unsafe-path']);
    expect(rules([{ name: 'c', op: 'MyOp' }])).toEqual(['MEDIUM savedmodel/unknown-op']);
    expect(rules([{ name: 'm', op: 'MatMul' }, { name: 'c', op: '__inference_f_1' }], [{ signature: { name: '__inference_f_1' }, node_def: [{ name: 'r', op: 'Relu' }] }])).toEqual([]);
  });

  it('checks ops that exist only in the function library, with function-style inputs', () => {
    const fn = { signature: { name: 'f' }, node_def: [strConst('p', '../../x'), { name: 'w', op: 'WriteFile', input: ['p:output:0', '^ctl'] }] };
    expect(rules([], [fn])).toEqual(['HIGH savedmodel/file-io-op', 'HIGH savedmodel/unsafe-path']);
  });

  it('follows paths built by StringJoin, bounded on cyclic graphs', () => {
    const nodes: NodeDef[] = [strConst('a', '/tmp/'), { name: 'j', op: 'StringJoin', input: ['a', 'j2'] }, { name: 'j2', op: 'StringJoin', input: ['j'] }, { name: 's', op: 'SaveV2', input: ['j'] }];
    expect(rules(nodes)).toEqual(['HIGH savedmodel/unsafe-path']);
  });

  it('classifies paths', () => {
    expect(unsafePath('_temp_abc/part')).toBeNull();
    expect(unsafePath('variables/variables')).toBeNull();
    for (const p of ['/etc/passwd', 'C:\\x', '\\\\host\\share', '~/.bashrc', 'a/../../b', 'gs://bucket/x']) expect(unsafePath(p), p).not.toBeNull();
  });

  it('a SavedModel directory: saved_model.pb scanned, variables/ data listed as unrecognised', async () => {
    const r = await scanPaths([join(import.meta.dirname, '..', '..', 'fixtures', 'benign', 'formats', 'savedmodel', 'basic')]);
    expect(r.results.map((x) => [basename(x.artifact.path), x.formats, x.skipped?.category ?? 'scanned', x.findings.length, x.errors.length])).toEqual([
      ['fingerprint.pb', [], 'unrecognised-format', 0, 0],
      ['saved_model.pb', ['tf-savedmodel'], 'scanned', 0, 0],
      ['variables.index', [], 'unrecognised-format', 0, 0],
    ]);
  });

  it('an empty or structureless saved_model.pb is an error, not clean', async () => {
    expect((await scanBytes(Buffer.from([0x08, 0x01]), 'saved_model.pb')).errors[0]?.message).toMatch(/no meta graph/);
    expect((await scanBytes(Buffer.from('hello world'), 'saved_model.pb')).errors.length).toBeGreaterThan(0);
    expect((await scanBytes(Buffer.from([0x10, 0x01]), 'keras_metadata.pb')).errors[0]?.message).toMatch(/no saved objects/);
    expect((await scanBytes(Buffer.from([0x08, 0x01]), 'keras_metadata.pb')).errors[0]?.message).toMatch(/should be a message/);
  });
});

describe('ONNX external data locations', () => {
  it('accepts paths inside the model directory and rejects the rest', () => {
    for (const ok of ['weights.bin', 'sub/w.bin', './w.bin', 'a/../w.bin']) expect(externalDataProblem(ok), ok).toBe(ok === 'a/../w.bin' ? 'a path that walks through ".."' : null);
    for (const bad of ['../w', '../../../../etc/passwd', 'sub/../../x', '/etc/passwd', 'C:\\Windows\\x', 'c:x', '\\\\srv\\s', '..\\..\\x', '', '~/x', 'a\0b']) {
      expect(externalDataProblem(bad), bad).not.toBeNull();
    }
  });

  it('malformed or graph-less ONNX is an error', async () => {
    expect((await scanBytes(Buffer.from([0x08, 0x08, 0x42, 0x02, 0x10, 0x11]), 'm.onnx')).errors[0]?.message).toMatch(/no graph/);
    expect((await scanBytes(Buffer.from([0x08, 0x08, 0x3a, 0x7f, 0x0a]), 'm.onnx')).errors[0]?.message).toMatch(/not a valid protobuf/);
  });
});
