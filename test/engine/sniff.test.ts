/** Formats come from the bytes; the name is only a hint for protobufs. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sniff } from '../../src/engine/sniff.js';
import { BufferSource } from '../../src/io/byte-source.js';
import { asm, callPickle, op } from '../helpers/pickle-asm.js';

const formats = (b: Buffer, name = '') => sniff(new BufferSource(b), name).formats;

function zipOf(name: string, data: Buffer): Buffer {
  // A stored single-entry zip, assembled by hand (CRC left 0: the sniffer does not check it).
  const n = Buffer.from(name);
  const lfh = Buffer.alloc(30);
  lfh.writeUInt32LE(0x04034b50, 0);
  lfh.writeUInt16LE(20, 4);
  lfh.writeUInt32LE(data.length, 18);
  lfh.writeUInt32LE(data.length, 22);
  lfh.writeUInt16LE(n.length, 26);
  const cd = Buffer.alloc(46);
  cd.writeUInt32LE(0x02014b50, 0);
  cd.writeUInt32LE(data.length, 20);
  cd.writeUInt32LE(data.length, 24);
  cd.writeUInt16LE(n.length, 28);
  const cdOffset = 30 + n.length + data.length;
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([lfh, n, data, cd, n, eocd]);
}

describe('sniff', () => {
  it('recognises pickles of protocol 2+ by PROTO, whatever the name', () => {
    for (const name of ['model.pkl', 'model.bin', 'notes.txt', 'config.json', 'model', 'weights.PT']) {
      expect(formats(callPickle('posix', 'system'), name)).toEqual(['pickle']);
    }
  });

  it('recognises protocol 0 and 1 pickles by trial parsing', () => {
    expect(formats(Buffer.from("cposix\nsystem\n(S'id'\ntR.", 'latin1'))).toEqual(['pickle']);
    expect(formats(Buffer.from('(lp0\nI1\na.', 'latin1'))).toEqual(['pickle']);
    expect(formats(asm(op.EMPTY_LIST, op.binint1(3), op.APPEND, op.STOP))).toEqual(['pickle']);
  });

  it('does not take text for a pickle', () => {
    const texts = [
      'hello world\n',
      '{"a": 1}\n',
      'import os\nos.system("x")\n',
      'copyright\nAll rights reserved\nmore text\n',
      'config:\n  foo: 1\n',
      'I am a README\n',
      'Some notes.\n',
      '# title\n',
      '1,2,3\n4,5,6\n',
    ];
    for (const t of texts) expect(formats(Buffer.from(t)), t).toEqual([]);
  });

  it('recognises the container and model formats by magic', () => {
    expect(formats(zipOf('archive/data.pkl', callPickle('posix', 'system')))).toEqual(['zip']);
    expect(formats(Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.alloc(100)]))).toEqual(['numpy']);
    expect(formats(Buffer.concat([Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(100)]))).toEqual(['hdf5']);
    expect(formats(Buffer.concat([Buffer.alloc(512), Buffer.from('\x89HDF\r\n\x1a\n', 'latin1'), Buffer.alloc(100)]))).toEqual(['hdf5']);
    expect(formats(Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(100)]))).toEqual(['gguf']);
    expect(formats(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]))).toEqual(['gzip']);
    expect(formats(Buffer.from('BZh91AY&SY\x00\x00', 'latin1'))).toEqual(['bz2']);
    expect(formats(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 0]))).toEqual(['xz']);
    expect(formats(Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7]))).toEqual(['lz4']);
    expect(formats(Buffer.from([0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c, 0, 4]))).toEqual(['7z']);
    const tar = Buffer.alloc(1024);
    tar.write('ustar\x0000', 257, 'latin1');
    expect(formats(tar)).toEqual(['tar']);
  });

  it('takes a file that is a pickle at byte 0 and another format at once for both', () => {
    const fixture = (p: string) => readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', p));
    expect(formats(fixture('malicious/formats/polyglot/hdf5_userblock_text_pickle.h5'))).toEqual(['hdf5', 'pickle']);
    expect(formats(fixture('malicious/formats/polyglot/hdf5_userblock_binary_pickle.h5'))).toEqual(['hdf5', 'pickle']);
    expect(formats(fixture('malicious/formats/polyglot/tar_name_is_pickle.tar'))).toEqual(['tar', 'pickle']);
    // Their twins: a user block of zeros and a member named notes.txt begin no pickle.
    expect(formats(fixture('benign/formats/keras_h5/userblock.h5'))).toEqual(['hdf5']);
    expect(formats(fixture('benign/formats/polyglot/plain.tar'))).toEqual(['tar']);
    // A zip cannot start a pickle CPython runs (PERSID with no persistent_load): no trial for it.
    expect(formats(zipOf('archive/data.pkl', callPickle('posix', 'system')))).toEqual(['zip']);
  });

  it('recognises safetensors by its header', () => {
    const header = Buffer.from('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    expect(formats(Buffer.concat([len, header, Buffer.alloc(4)]), 'model.bin')).toEqual(['safetensors']);
  });

  it('recognises ONNX and SavedModel protobufs by their fields', () => {
    // ModelProto: ir_version=8 (field 1), producer_name (2), graph (7, empty), opset_import (8, empty)
    const onnx = Buffer.from([0x08, 0x08, 0x12, 0x04, 0x74, 0x65, 0x73, 0x74, 0x3a, 0x00, 0x42, 0x00]);
    expect(formats(onnx, 'model.onnx')).toEqual(['onnx']);
    // SavedModel: saved_model_schema_version=1 (1), meta_graphs (2, empty)
    const saved = Buffer.from([0x08, 0x01, 0x12, 0x00]);
    expect(formats(saved, 'saved_model.pb')).toEqual(['tf-savedmodel']);
    expect(formats(saved, 'notes.txt')).toEqual([]);
  });

  it('finds a zip appended to a pickle (polyglot)', () => {
    const poly = Buffer.concat([callPickle('posix', 'system'), zipOf('a.txt', Buffer.from('hi'))]);
    expect(formats(poly)).toEqual(['pickle', 'zip']);
  });

  it('an empty file is nothing', () => {
    expect(formats(Buffer.alloc(0))).toEqual([]);
  });
});

describe('formats known by their names once no magic matched', () => {
  it('SavedModel and keras_metadata protobufs, even when their content is broken', () => {
    expect(formats(Buffer.from([0x08, 0x01]), 'saved_model.pb')).toEqual(['tf-savedmodel']);
    expect(formats(Buffer.from([0x0a, 0x02, 0x10, 0x01]), 'variables/keras_metadata.pb')).toEqual(['keras-metadata']);
    expect(formats(Buffer.from([0x0a, 0x02, 0x10, 0x01]), 'other.pb')).toEqual(['protobuf']);
    // Fields 1 and 2 both, but field 1 a message: a frozen GraphDef (nodes + library), not a SavedModel.
    expect(formats(Buffer.from([0x0a, 0x02, 0x12, 0x00, 0x12, 0x00]), 'frozen.pb')).toEqual(['protobuf']);
    expect(formats(Buffer.from([0x08, 0x01, 0x12, 0x00]), 'model.pb')).toEqual(['tf-savedmodel']);
    // A frozen GraphDef: its first node's name ("x") then op ("A").
    expect(formats(Buffer.from([0x0a, 0x06, 0x0a, 0x01, 0x78, 0x12, 0x01, 0x41]), 'frozen.pb')).toEqual(['tf-graphdef']);
    expect(formats(Buffer.from([0x08, 0x01, 0x12, 0x00]), 'fingerprint.pb')).toEqual([]);
  });

  it('chat template files: JSON only when it is JSON, the .jinja file as such', () => {
    expect(formats(Buffer.from(' {"chat_template": "x"}'), 'tokenizer_config.json')).toEqual(['tokenizer-config']);
    expect(formats(Buffer.from('{"chat_template": "x"}'), 'chat_template.json')).toEqual(['tokenizer-config']);
    expect(formats(Buffer.from('{"chat_template": "x"}'), 'config.json')).toEqual([]);
    expect(formats(Buffer.from('{{ bos_token }}'), 'chat_template.jinja')).toEqual(['jinja-template']);
  });

  it('a pickle keeps its format whatever its name', () => {
    expect(formats(Buffer.from([0x80, 0x04, 0x4e, 0x2e]), 'saved_model.pb')).toEqual(['pickle']);
    expect(formats(Buffer.from([0x80, 0x04, 0x4e, 0x2e]), 'model.safetensors')).toEqual(['pickle']);
  });

  it('damaged safetensors / onnx / gguf files go to their scanner to be reported', () => {
    expect(formats(Buffer.from('garbage bytes here'), 'x.safetensors')).toEqual(['safetensors']);
    expect(formats(Buffer.from('garbage bytes here'), 'x.onnx')).toEqual(['onnx']);
    expect(formats(Buffer.from('garbage bytes here'), 'x.gguf')).toEqual(['gguf']);
    expect(formats(Buffer.from('garbage bytes here'), 'x.bin')).toEqual([]);
  });
});

describe('the legacy .lzma format (no magic number)', () => {
  const header = (props: number, dict: number, size: bigint, first = 0) => {
    const b = Buffer.alloc(32);
    b[0] = props;
    b.writeUInt32LE(dict, 1);
    b.writeBigUInt64LE(size, 5);
    b[13] = first;
    return b;
  };
  it('is recognised by joblib\'s 5D 00 prefix or a header liblzma\'s strict check accepts', () => {
    expect(formats(header(0x5d, 1 << 16, 0xffffffffffffffffn))).toEqual(['lzma']);
    expect(formats(header(0x5d, 0x12345600, 10n))).toEqual(['lzma']); // joblib does not check the dictionary
    expect(formats(header(0, 3 << 20, 100n))).toEqual(['lzma']); // lc=lp=pb=0, 2^21 + 2^20
  });
  it('is not claimed for bytes that merely could be one', () => {
    expect(formats(Buffer.alloc(64))).not.toContain('lzma'); // dictionary 0 passes liblzma's check; no encoder writes it
    expect(formats(header(0, 3 << 20, 100n, 1))).not.toContain('lzma'); // the range coder's first byte is always 0
    expect(formats(header(225, 1 << 20, 100n))).not.toContain('lzma');
    expect(formats(header(0x5e, (1 << 20) + 1, 100n))).not.toContain('lzma');
    expect(formats(header(0x5e, 1 << 20, 1n << 40n))).not.toContain('lzma');
  });
});
