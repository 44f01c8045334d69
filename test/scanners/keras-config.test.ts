import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FORMAT_LIMITS } from '../../src/engine/limits.js';
import { checkKerasTree } from '../../src/scanners/keras/config-check.js';
import { analyseKerasV3, checkExecutableMagic, checkKerasV3Members, isKerasV3Layout, kerasV3Output } from '../../src/scanners/keras/v3.js';
import { readStoredZip } from '../helpers/stored-zip.js';

const LIMITS = { maxTreeDepth: 64, maxTreeNodes: 10_000 };
const rules = (tree: unknown) => checkKerasTree(tree, 'cfg', LIMITS).issues.map((i) => `${i.severity} ${i.rule}`);
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');

describe('Keras configuration check', () => {
  it('passes a plain Keras 3 model', () => {
    const tree = { module: 'keras', class_name: 'Sequential', config: { layers: [{ module: 'keras.layers', class_name: 'Dense', config: { activation: { module: 'keras.activations', class_name: 'function', config: 'relu', registered_name: 'relu' } }, registered_name: null }] } };
    expect(rules(tree)).toEqual([]);
  });

  it('finds Lambda layers under any class name spelling and at any depth', () => {
    expect(rules({ config: { layers: [{ class_name: 'Lambda', config: { name: 'l' } }] } })).toEqual(['HIGH keras/lambda-layer']);
    expect(rules({ a: [[{ b: { class_name: 'keras.layers.Lambda' } }]] })).toEqual(['HIGH keras/lambda-layer']);
    expect(rules({ function: { class_name: '__lambda__', config: { code: 'x' } } })).toEqual(['HIGH keras/lambda-layer']);
    expect(rules({ class_name: 'LambdaCallback' })).toEqual([]);
  });

  it('ranks modules: dangerous CRITICAL, third-party HIGH, Keras family MEDIUM, Keras itself nothing', () => {
    expect(rules({ module: 'os', class_name: 'function', config: 'system' })).toEqual(['CRITICAL keras/unsafe-module']);
    expect(rules({ module: 'builtins', class_name: 'function', config: 'exec' })).toEqual(['CRITICAL keras/unsafe-module']);
    expect(rules({ module: 'evil.layers', class_name: 'X' })).toEqual(['HIGH keras/unsafe-module']);
    expect(rules({ module: 'keras_hub.src.models', class_name: 'GemmaBackbone' })).toEqual(['MEDIUM keras/custom-object']);
    expect(rules({ module: 'tensorflow.python.ops', class_name: 'X', fn_module: 'numpy' })).toEqual([]);
    expect(rules({ fn_module: 'subprocess', class_name: 'Popen' })).toEqual(['CRITICAL keras/unsafe-module']);
    const f = checkKerasTree({ module: 'os', class_name: 'function', config: 'system' }, 'cfg', LIMITS).issues[0]!;
    expect(`${f.module}.${f.operator}`).toBe('os.system');
  });

  it('reports registered custom objects from outside Keras', () => {
    expect(rules({ class_name: 'MyLayer', registered_name: 'my_pkg>MyLayer' })).toEqual(['MEDIUM keras/custom-object']);
    expect(rules({ class_name: 'Dense', registered_name: 'keras>Dense' })).toEqual([]);
  });

  it('finds get_file, URLs, enable_unsafe_deserialization and TorchModuleWrapper, in values and keys', () => {
    expect(rules({ a: 'keras.utils.get_file' })).toEqual(['HIGH keras/remote-fetch']);
    expect(rules({ 'https://example.invalid/x.py': 1 })).toEqual(['HIGH keras/remote-fetch']);
    expect(rules({ a: 'keras.config.enable_unsafe_deserialization' })).toEqual(['CRITICAL keras/unsafe-deserialization']);
    expect(rules({ class_name: 'TorchModuleWrapper', module: 'keras.layers' })).toEqual(['CRITICAL keras/torch-module-wrapper']);
  });

  it('stops at its depth and node bounds with a limit, never a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const r = checkKerasTree(deep, 'cfg', LIMITS);
    expect(r.limitHit).toMatch(/deeper than 64/);
    const wide = Array.from({ length: 20_000 }, () => ({ class_name: 'Dense' }));
    expect(checkKerasTree(wide, 'cfg', LIMITS).limitHit).toMatch(/more than 10000 JSON nodes/);
  });

  it('reports one finding per distinct problem, not one per repeated layer', () => {
    const layers = Array.from({ length: 500 }, () => ({ class_name: 'Lambda', config: { name: 'same' } }));
    expect(checkKerasTree({ layers }, 'cfg', { maxTreeDepth: 64, maxTreeNodes: 1e6 }).issues).toHaveLength(1);
  });
});

describe('Keras v3 archives (members handed in by a zip reader)', () => {
  const analyse = (rel: string) => {
    const zip = readStoredZip(join(FIXTURES, rel));
    expect(isKerasV3Layout(zip.names)).toBe(true);
    return analyseKerasV3({ members: zip.names, read: (n) => zip.members.get(n) ?? null }, DEFAULT_FORMAT_LIMITS);
  };

  it('turns the analysis into findings located in their member, for the container scanner', () => {
    const zip = readStoredZip(join(FIXTURES, 'malicious/formats/keras_v3/python_member.keras'));
    const members = [...zip.names, 'config.json'];
    const r = analyseKerasV3({ members, read: (n) => (n === 'config.json' ? Buffer.from('{"class_name": "Lambda"}') : zip.members.get(n) ?? null) }, DEFAULT_FORMAT_LIMITS);
    const out = kerasV3Output(r, { path: 'm.keras', member: 'outer.zip' });
    expect(out.findings.map((f) => [f.rule, f.scanner, f.location?.member])).toEqual([
      ['keras/unexpected-member', 'keras-v3', 'outer.zip'],
      ['keras/unexpected-member', 'keras-v3', 'outer.zip'],
      ['keras/lambda-layer', 'keras-v3', 'outer.zip:config.json'],
    ]);
    expect(out.errors.map((e) => [e.member, e.message])).toEqual([['outer.zip:config.json', '2 members are named config.json: loaders disagree on which one they read']]);
  });

  it('flags code, scripts, executables and pickles among the members, case-insensitively', () => {
    const names = ['config.json', 'metadata.json', 'model.weights.h5', 'assets/vocab.txt', 'a.py', 'B.SH', 'tool.exe', 'x.pkl', 'lib.so'];
    expect(checkKerasV3Members(names).map((i) => i.description.split(' ')[1])).toEqual(['a.py', 'B.SH', 'tool.exe', 'x.pkl', 'lib.so']);
    expect(checkExecutableMagic('assets/data', Buffer.from('\x7fELF\x02'))?.rule).toBe('keras/unexpected-member');
    expect(checkExecutableMagic('assets/data', Buffer.from('hello'))).toBeNull();
  });

  it('looks at the first bytes of members Keras does not write', () => {
    const files: Record<string, string> = { 'config.json': '{}', 'metadata.json': '{}', 'assets/tokenizer': '\x7fELF\x02\x01', 'assets/run.sh': '#!/bin/sh', 'assets/vocab.txt': 'a\nb' };
    const archive = { members: Object.keys(files), read: (n: string) => (n in files ? Buffer.from(files[n]!, 'latin1') : null), head: (n: string) => (n in files ? Buffer.from(files[n]!, 'latin1') : null) };
    expect(analyseKerasV3(archive, DEFAULT_FORMAT_LIMITS).issues.map((i) => i.description)).toEqual([
      'member assets/run.sh is code or an executable, which a Keras archive never contains',
      'member assets/tokenizer is an ELF executable, which a Keras archive never contains',
    ]);
  });

  it('reports broken, missing or duplicated config.json as errors', () => {
    const read = (files: Record<string, string>) => (n: string) => (n in files ? Buffer.from(files[n]!) : null);
    expect(analyseKerasV3({ members: ['config.json', 'metadata.json'], read: read({ 'config.json': '{nope', 'metadata.json': '{}' }) }, DEFAULT_FORMAT_LIMITS).errors[0]?.message).toMatch(/not valid JSON/);
    expect(analyseKerasV3({ members: ['metadata.json'], read: read({ 'metadata.json': '{}' }) }, DEFAULT_FORMAT_LIMITS).errors[0]?.message).toMatch(/no config.json/);
    expect(analyseKerasV3({ members: ['config.json', 'config.json', 'metadata.json'], read: read({ 'config.json': '{}', 'metadata.json': '{}' }) }, DEFAULT_FORMAT_LIMITS).errors[0]?.message).toMatch(/2 members are named config.json/);
    expect(analyseKerasV3({ members: ['config.json', 'metadata.json'], read: read({ 'config.json': '[1]', 'metadata.json': '{}' }) }, DEFAULT_FORMAT_LIMITS).errors[0]?.message).toMatch(/not a JSON object/);
  });
});
