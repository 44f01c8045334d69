import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catFileBatch } from '../../src/sources/git/cat-file.js';
import { GitSandbox } from '../helpers/git-sandbox.js';

const sb = new GitSandbox('msg-catfile-');
afterAll(() => sb.cleanup());

describe('git cat-file --batch reader', () => {
  it('reads blobs in order, in memory or through a private temporary file, and reports missing names', async () => {
    const repo = sb.initRepo('r');
    const big = Buffer.alloc(300_000, 7);
    big.write('\nnot a header\n', 1000);
    sb.write(repo, 'big.bin', big);
    sb.write(repo, 'small.txt', 'small\n');
    sb.git(repo, ['add', '-A']);
    const oid = (p: string) => sb.git(repo, ['rev-parse', `:${p}`]).stdout.trim();
    const names = [oid('small.txt'), oid('big.bin'), 'f'.repeat(40), oid('small.txt')];
    const seen: string[] = [];
    let tempFile = '';
    const env = sb.env;
    for await (const obj of catFileBatch(names, { cwd: repo, env, memoryLimit: 1024 })) {
      if (obj.kind === 'found') seen.push(`mem:${obj.content.toString()}`);
      else if (obj.kind === 'found-on-disk') {
        tempFile = obj.file;
        expect(readFileSync(obj.file).equals(big)).toBe(true);
        seen.push(`disk:${obj.size}`);
      } else seen.push(`missing:${obj.name}`);
    }
    expect(seen).toEqual(['mem:small\n', 'disk:300000', `missing:${'f'.repeat(40)}`, 'mem:small\n']);
    expect(tempFile).not.toBe('');
    expect(existsSync(tempFile)).toBe(false);
    expect(existsSync(dirname(tempFile))).toBe(false);
  });

  it('refuses names that would desynchronise the protocol', async () => {
    const gen = catFileBatch(['a\nb'], { cwd: sb.root });
    await expect(gen.next()).rejects.toThrow(/newline/);
  });
});
