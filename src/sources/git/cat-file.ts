/**
 * Reads many git objects through one long-lived `git cat-file --batch` process (2,000 blobs ≈ 0.2 s, against
 * ≈ 16 s with a process per blob; dependencies.md). The output is parsed as a binary stream: a header line
 * `<oid> <type> <size>`, exactly `size` bytes, a newline; or `<name> missing`.
 *
 * Blobs up to `memoryLimit` bytes are handed over as Buffers; larger ones are streamed into a file in a private
 * temporary folder (mkdtemp, 0700) that the caller scans through random access and that is deleted afterwards,
 * so a multi-GB blob committed without LFS never sits in memory.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type CatFileObject =
  | { kind: 'found'; name: string; oid: string; type: string; size: number; content: Buffer }
  | { kind: 'found-on-disk'; name: string; oid: string; type: string; size: number; file: string }
  | { kind: 'missing'; name: string };

export interface CatFileOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Objects larger than this go to a temporary file. */
  memoryLimit?: number;
}

const DEFAULT_MEMORY_LIMIT = 32 << 20;

/**
 * Yields the objects named by `names` (oids or `:path` for the index), in order. Each object is only valid
 * until the next one is requested: on-disk copies are deleted then.
 */
export async function* catFileBatch(names: readonly string[], opts: CatFileOptions): AsyncGenerator<CatFileObject> {
  if (names.length === 0) return;
  for (const n of names) {
    // git reads one name per line; a newline would split a name in two and desynchronise the answers.
    if (n.includes('\n')) throw new Error(`object name with a newline cannot be read through cat-file: ${JSON.stringify(n)}`);
  }
  const memoryLimit = opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const child: ChildProcessWithoutNullStreams = spawn('git', ['cat-file', '--batch'], {
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => stderr.push(b));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let spawnError: Error | null = null;
  child.on('error', (e) => {
    spawnError = e;
  });
  child.stdin.on('error', () => {
    // git exited early; the read loop below reports it.
  });
  child.stdin.end(names.map((n) => `${n}\n`).join(''));

  let tempDir: string | null = null;
  // Unparsed output: `pending` plus chunks not yet joined to it (joined once per need, never once per chunk,
  // so a 30 MB blob arriving in 64 KiB chunks is copied once, not 500 times).
  let pending = Buffer.alloc(0);
  let queued: Buffer[] = [];
  let queuedBytes = 0;
  let index = 0;
  const iterator = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const fail = async (what: string): Promise<never> => {
    const code = await exited;
    throw new Error(`git cat-file --batch ${what} (exit ${code ?? 'signal'}): ${(spawnError as Error | null)?.message ?? Buffer.concat(stderr).toString('utf8').trim()}`);
  };
  const join_ = (): void => {
    if (queued.length > 0) {
      pending = Buffer.concat([pending, ...queued]);
      queued = [];
      queuedBytes = 0;
    }
  };
  /** Reads until at least `n` bytes are pending (false at the end of output). */
  const need = async (n: number): Promise<boolean> => {
    while (pending.length + queuedBytes < n) {
      const r = await iterator.next();
      if (r.done) {
        join_();
        return false;
      }
      queued.push(r.value);
      queuedBytes += r.value.length;
    }
    join_();
    return true;
  };
  /** Reads whatever comes next (false at the end of output). */
  const more = async (): Promise<boolean> => need(pending.length + 1);

  try {
    while (index < names.length) {
      let nl = pending.indexOf(0x0a);
      while (nl < 0) {
        if (!(await more())) await fail('ended early');
        nl = pending.indexOf(0x0a);
      }
      const header = pending.subarray(0, nl).toString('utf8');
      pending = pending.subarray(nl + 1);
      const name = names[index++]!;
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        yield { kind: 'missing', name };
        continue;
      }
      const m = /^([0-9a-f]{40,64}) (\S+) (\d+)$/.exec(header);
      if (!m) await fail(`printed an unexpected header ${JSON.stringify(header.slice(0, 120))}`);
      const [, oid, type, sizeText] = m!;
      const size = Number(sizeText);
      if (size <= memoryLimit) {
        if (!(await need(size + 1))) await fail('ended inside an object');
        const content = Buffer.from(pending.subarray(0, size)); // own copy: `pending` is reused
        pending = pending.subarray(size + 1);
        yield { kind: 'found', name, oid: oid!, type: type!, size, content };
        continue;
      }
      tempDir ??= mkdtempSync(join(tmpdir(), 'modelscan-guard-blob-'));
      const file = join(tempDir, oid!);
      const fd = openSync(file, 'wx', 0o600);
      try {
        let left = size;
        for (;;) {
          const take = Math.min(left, pending.length);
          if (take > 0) writeSync(fd, pending, 0, take);
          left -= take;
          pending = pending.subarray(take);
          if (left === 0) break;
          if (!(await more())) await fail('ended inside an object');
        }
      } finally {
        closeSync(fd);
      }
      if (!(await need(1))) await fail('ended inside an object');
      pending = pending.subarray(1);
      try {
        yield { kind: 'found-on-disk', name, oid: oid!, type: type!, size, file };
      } finally {
        rmSync(file, { force: true });
      }
    }
  } finally {
    if (child.exitCode === null) child.kill();
    if (tempDir !== null) rmSync(tempDir, { recursive: true, force: true });
  }
}
