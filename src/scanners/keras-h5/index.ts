/**
 * Keras H5 models (Keras 2 / tf.keras `model.save('x.h5')`): the `model_config` and `training_config`
 * root attributes hold the JSON Keras rebuilds the model from, checked like every Keras configuration
 * (config-check.ts). A weights-only file (no config) carries no code: scanned and clean. HDF5 itself is
 * read by h5wasm in an isolated worker (reader.ts); a file it cannot open is an error for that file.
 */
import { resolve } from 'node:path';
import { FileSource } from '../../io/byte-source.js';
import { formatScanner, FormatError } from '../emit.js';
import { checkKerasJson } from '../keras/report.js';
import { h5Reader } from './reader.js';
import { withPrivateCopy } from './temp-copy.js';

const CONFIG_ATTRIBUTES = ['model_config', 'training_config'];

export const kerasH5Scanner = formatScanner('keras-h5', ['hdf5'], async (src, ctx, em) => {
  const limits = ctx.limits.formats;
  const read = (path: string) => h5Reader().read(path, CONFIG_ATTRIBUTES, limits.maxJsonBytes, limits.h5TimeoutMs);
  // h5wasm opens paths: the file itself when there is one, otherwise a private copy of the bytes.
  const outcome = src instanceof FileSource ? await read(resolve(src.path)) : await withPrivateCopy(src, limits.h5MaxTempCopyBytes, read);
  if (!outcome.ok) {
    if ('timedOut' in outcome) throw new FormatError('limit', outcome.message);
    throw new FormatError('parse', `HDF5 file could not be read (corrupt or truncated?): ${hdf5Cause(outcome.message)}`);
  }
  for (const name of CONFIG_ATTRIBUTES) {
    const v = outcome.attributes[name];
    if (!v) continue;
    if (v.kind === 'too-large') em.error('limit', `${name} is ${v.bytes} bytes, more than the ${limits.maxJsonBytes}-byte limit; not analysed`);
    else if (v.kind === 'not-text') em.error('parse', `${name} is not text (${v.type}): Keras could not read it either, but it was not analysed`);
    else checkKerasJson(em, v.text, name, limits);
  }
});

/**
 * HDF5's error text is a stack of a dozen frames, outermost first; the user needs the first (what failed)
 * and the last (why).
 */
export function hdf5Cause(message: string): string {
  const frames = [...message.matchAll(/#\d+: .*? in ([A-Za-z0-9_]+)\(\): (.*)$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  if (frames.length === 0) return message.split('\n')[0]!.slice(0, 300);
  return frames.length === 1 ? frames[0]! : `${frames[0]} … ${frames[frames.length - 1]}`;
}
