/**
 * Keras H5 models (Keras 2 / tf.keras `model.save('x.h5')`): the `model_config` and `training_config`
 * root attributes hold the JSON Keras rebuilds the model from, checked like every Keras configuration
 * (config-check.ts). A weights-only file (no config) carries no code: scanned and clean. HDF5 itself is
 * read by h5wasm in an isolated worker (reader.ts); a file it cannot open is an error for that file.
 */
import { resolve } from 'node:path';
import { FileSource, type ByteSource } from '../../io/byte-source.js';
import { Emitter, FormatError, reportThrown } from '../emit.js';
import { checkKerasTree } from '../keras/config-check.js';
import { parseJsonText } from '../keras/json-text.js';
import { emitTreeCheck } from '../keras/report.js';
import type { ScanContext, Scanner, ScannerOutput } from '../scanner.js';
import { h5Reader } from './reader.js';
import { withPrivateCopy } from './temp-copy.js';

const SCANNER = 'keras-h5';
const CONFIG_ATTRIBUTES = ['model_config', 'training_config'];

export const kerasH5Scanner: Scanner = {
  id: SCANNER,
  formats: ['hdf5'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const em = new Emitter(SCANNER, ctx);
    const limits = ctx.limits.formats;
    try {
      // h5wasm opens paths: the file itself when there is one, otherwise a private copy of the bytes.
      const outcome = src instanceof FileSource
        ? await h5Reader().read(resolve(src.path), CONFIG_ATTRIBUTES, limits.maxJsonBytes, limits.h5TimeoutMs)
        : await withPrivateCopy(src, limits.h5MaxTempCopyBytes, (path) => h5Reader().read(path, CONFIG_ATTRIBUTES, limits.maxJsonBytes, limits.h5TimeoutMs));
      if (!outcome.ok) {
        const timedOut = 'timedOut' in outcome;
        throw new FormatError(timedOut ? 'limit' : 'parse', timedOut ? outcome.message : `HDF5 file could not be read (corrupt or truncated?): ${hdf5Cause(outcome.message)}`);
      }
      for (const name of CONFIG_ATTRIBUTES) {
        const v = outcome.attributes[name];
        if (!v) continue;
        if (v.kind === 'too-large') em.error('limit', `${name} is ${v.bytes} bytes, more than the ${limits.maxJsonBytes}-byte limit; not analysed`);
        else if (v.kind === 'not-text') em.error('parse', `${name} is not text (${v.type}): Keras could not read it either, but it was not analysed`);
        else {
          try {
            emitTreeCheck(em, checkKerasTree(parseJsonText(v.text, name, limits.maxJsonBytes), name, limits));
          } catch (err) {
            reportThrown(em, err);
          }
        }
      }
    } catch (err) {
      reportThrown(em, err);
    }
    return em.output();
  },
};

/**
 * HDF5's error text is a stack of a dozen frames, outermost first; the user needs the first (what failed)
 * and the last (why).
 */
export function hdf5Cause(message: string): string {
  const frames = [...message.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  if (frames.length === 0) return message.split('\n')[0]!.slice(0, 300);
  return frames.length === 1 ? frames[0]! : `${frames[0]} … ${frames[frames.length - 1]}`;
}
