/**
 * A private on-disk copy of bytes that are not a file of their own (a zip member, a git blob), for readers
 * that only open paths. The directory is created 0700 by mkdtemp, the copy is streamed in 4 MiB pieces,
 * and both are removed whatever happens.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ByteSource } from '../../io/byte-source.js';
import { FormatError } from '../emit.js';

export async function withPrivateCopy<T>(src: ByteSource, maxBytes: number, use: (path: string) => Promise<T>): Promise<T> {
  if (src.size > maxBytes) throw new FormatError('limit', `${src.size} bytes is more than the ${maxBytes}-byte limit for a temporary copy; not analysed`);
  const dir = mkdtempSync(join(tmpdir(), 'modelscan-guard-'));
  try {
    const path = join(dir, 'member.h5');
    const fd = openSync(path, 'wx', 0o600);
    try {
      const CHUNK = 4 << 20;
      for (let at = 0; at < src.size; at += CHUNK) {
        const piece = src.read(at, CHUNK);
        writeSync(fd, piece);
      }
    } finally {
      closeSync(fd);
    }
    return await use(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
