/**
 * The isolated HDF5 reader: runs in a worker thread so a hostile file that aborts or hangs the wasm HDF5
 * library costs this worker, never the scan. It opens the file read-only with h5wasm's node build (real
 * file reads, no whole-file copy), reads a few root attributes as text (nothing else: every extra HDF5 call is more surface for a hostile file).
 * h5wasm is imported here only, on the first request: its 0.3 s initialisation is paid only when an HDF5
 * file is seen.
 */
import { parentPort } from 'node:worker_threads';
import type { H5AttrValue, H5Reply, H5Request } from './protocol.js';

type H5Module = typeof import('h5wasm/node');
let h5: Promise<H5Module> | null = null;

function load(): Promise<H5Module> {
  if (!h5) {
    h5 = import('h5wasm/node').then(async (mod) => {
      const Module = await mod.ready;
      // Without this, HDF5 prints an error stack and fails later with a useless message.
      Module.activate_throwing_error_handler();
      return mod;
    });
  }
  return h5;
}

parentPort?.on('message', (req: H5Request) => {
  void handle(req).then((reply) => parentPort?.postMessage(reply));
});

async function handle(req: H5Request): Promise<H5Reply> {
  let file: InstanceType<H5Module['File']> | null = null;
  try {
    const mod = await load();
    file = new mod.File(req.path, 'r');
    const rootAttributeNames = Object.keys(file.attrs);
    const attributes: Record<string, H5AttrValue> = {};
    for (const name of req.attributes) {
      if (!rootAttributeNames.includes(name)) continue;
      attributes[name] = readText(new mod.Attribute(file.file_id, '/', name), req.maxAttrBytes);
    }
    return { id: req.id, ok: true, attributes, rootAttributeNames };
  } catch (err) {
    // A wasm abort surfaces as WebAssembly.RuntimeError: the module's memory may be corrupt from here on.
    const fatal = err instanceof Error && err.name === 'RuntimeError';
    return { id: req.id, ok: false, message: err instanceof Error ? err.message : String(err), fatal };
  } finally {
    try {
      file?.close();
    } catch {
      // Closing a file that failed half-way may fail too; the worker is recycled on fatal errors anyway.
    }
  }
}

/** An attribute as text: a (fixed or variable length) string, bytes, or a one-element array of either. */
function readText(attr: { metadata: { size: number; shape: number[] | null; type: number; vlen?: boolean }; value: unknown }, max: number): H5AttrValue {
  const count = (attr.metadata.shape ?? []).reduce((a, b) => a * b, 1);
  const bytes = attr.metadata.size * count;
  if (bytes > max) return { kind: 'too-large', bytes };
  let v = attr.value;
  if (Array.isArray(v) && v.length === 1) v = v[0];
  if (typeof v === 'string') {
    if (Buffer.byteLength(v) > max) return { kind: 'too-large', bytes: Buffer.byteLength(v) };
    return { kind: 'text', text: v };
  }
  if (v instanceof Uint8Array || v instanceof Int8Array) return { kind: 'text', text: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('utf8') };
  const type = Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
  return { kind: 'not-text', type };
}
