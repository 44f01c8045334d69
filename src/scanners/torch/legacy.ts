/**
 * torch.save(..., _use_new_zipfile_serialization=False) writes five pickles back to back — the magic number,
 * the protocol version, sys_info, the object, the sorted storage keys — and then, for each key in that order,
 * the storage's raw bytes as `<int64 element count><count × element size>` (torch/serialization.py
 * _legacy_save / _legacy_load). The element size comes from the storage class named in the object pickle's
 * persistent id ('storage', storage_type, key, location, numel, view_metadata).
 * Knowing this, the pickle analysis skips exactly the raw bytes and reads any pickle that follows them.
 */
import type { ByteSource } from '../../io/byte-source.js';
import type { StreamLayout } from '../pickle/stream.js';
import { textOfValue, type RunResult } from '../pickle/vm.js';
import { storageElementSize, storageRecordEnd } from './storage-types.js';

/** 0x1950a86a20f9469cfc6c as LONG1 (protocol 2+) or as a protocol 0/1 decimal LONG line. */
const MAGIC_LONG1 = Buffer.from([0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
const MAGIC_TEXT = Buffer.from('L119547037146038801333356');

export function isLegacyMagic(src: ByteSource, run: RunResult): boolean {
  if (run.end - run.start > 64) return false;
  const b = src.read(run.start, run.end - run.start);
  return b.includes(MAGIC_LONG1) || b.includes(MAGIC_TEXT);
}

export function torchLegacyLayout(): StreamLayout {
  let active = false;
  const sizes = new Map<string, number>();
  return {
    // The object pickle names the storages (and their element types) in its persistent ids.
    needsPersistentIds: (index) => active && index === 3,
    afterPickle(index, run, src) {
      if (index === 0) active = isLegacyMagic(src, run);
      if (!active) return null;
      if (index === 3) {
        for (const pid of run.persistentIds) {
          if (pid.kind !== 'tuple') continue;
          const [tag, type, key] = pid.items;
          if (!tag || !type || !key || textOfValue(src, tag) !== 'storage' || type.kind !== 'global') continue;
          const k = textOfValue(src, key);
          const size = storageElementSize(type.record.module, type.record.name);
          // torch builds each storage at its first persistent id and reuses it: the first type wins.
          if (k !== null && size !== null && !sizes.has(k)) sizes.set(k, size);
        }
        return null;
      }
      if (index !== 4) return null;
      active = false;
      const keys = stringListItems(src, run.start, run.end);
      if (typeof keys === 'string') return { error: `legacy torch file: ${keys}; the storage data that follows was not located` };
      let pos = run.end;
      for (const k of keys) {
        const size = sizes.get(k);
        if (size === undefined) return { error: `legacy torch file: storage ${JSON.stringify(k.slice(0, 40))} is not named by the object pickle; the storage data was not located` };
        const end = storageRecordEnd((o, l) => src.read(o, l), src.size, pos, size);
        if (typeof end === 'string') return { error: `legacy torch file: ${end}` };
        pos = end;
      }
      return { next: pos };
    },
  };
}

/**
 * The items of a pickle that is a plain list of strings (the storage keys), in order. A tiny reader of its
 * own because the VM does not keep container items; anything but the opcodes such a list uses is refused.
 */
export function stringListItems(src: ByteSource, start: number, end: number): string[] | string {
  if (end - start > 64 * 1024 * 1024) return 'storage key list larger than 64 MiB';
  const b = src.read(start, end - start);
  const items: string[] = [];
  const memo = new Map<number, string>();
  let last: string | null = null;
  let i = 0;
  const line = (): string => {
    const nl = b.indexOf(0x0a, i);
    if (nl < 0) throw new Error('unterminated line');
    const s = b.toString('latin1', i, nl);
    i = nl + 1;
    return s;
  };
  const text = (n: number, enc: 'utf8' | 'latin1'): string => {
    if (i + n > b.length) throw new Error('truncated string');
    const s = b.toString(enc, i, i + n);
    i += n;
    return s;
  };
  try {
    while (i < b.length) {
      const op = b[i++]!;
      switch (op) {
        case 0x80: i += 1; break; // PROTO
        case 0x95: i += 8; break; // FRAME
        case 0x5d: case 0x28: case 0x61: case 0x65: case 0x6c: last = null; break; // ] ( a e l
        case 0x2e: return items; // STOP
        case 0x58: { const n = b.readUInt32LE(i); i += 4; last = text(n, 'utf8'); items.push(last); break; } // BINUNICODE
        case 0x8c: { const n = b[i++]!; last = text(n, 'utf8'); items.push(last); break; } // SHORT_BINUNICODE
        case 0x54: { const n = b.readInt32LE(i); i += 4; last = text(n, 'latin1'); items.push(last); break; } // BINSTRING
        case 0x55: { const n = b[i++]!; last = text(n, 'latin1'); items.push(last); break; } // SHORT_BINSTRING
        case 0x56: { last = line(); items.push(last); break; } // UNICODE (keys are digits: no escapes to undo)
        case 0x53: { const l = line(); last = l.slice(1, -1); items.push(last); break; } // STRING 'digits'
        case 0x71: { const idx = b[i++]!; if (last !== null) memo.set(idx, last); break; } // BINPUT
        case 0x72: { const idx = b.readUInt32LE(i); i += 4; if (last !== null) memo.set(idx, last); break; } // LONG_BINPUT
        case 0x94: { if (last !== null) memo.set(memo.size, last); break; } // MEMOIZE
        case 0x70: { const idx = Number(line()); if (last !== null) memo.set(idx, last); break; } // PUT
        case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
          const idx = op === 0x68 ? b[i++]! : op === 0x6a ? (i += 4, b.readUInt32LE(i - 4)) : Number(line());
          const v = memo.get(idx);
          if (v === undefined) return 'the storage key list refers to a memo entry that is not a string';
          last = v;
          items.push(v);
          break;
        }
        default:
          return `the storage key list has an unexpected opcode 0x${op.toString(16)}`;
      }
    }
  } catch (e) {
    return `the storage key list cannot be read (${(e as Error).message})`;
  }
  return 'the storage key list has no STOP';
}
