/**
 * Parses configuration JSON found inside model files. Bounded by size first: JSON.parse of a 1 GB string
 * would hold several GB. Invalid UTF-8 or JSON is a parse error naming where the text came from.
 */
import { FormatError } from '../emit.js';

export function parseJsonText(text: string | Uint8Array, label: string, maxBytes: number): unknown {
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.byteLength;
  if (size > maxBytes) throw new FormatError('limit', `${label} is ${size} bytes, more than the ${maxBytes}-byte limit for configuration JSON; not analysed`);
  let str: string;
  if (typeof text === 'string') str = text;
  else {
    try {
      str = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      throw new FormatError('parse', `${label} is not valid UTF-8`);
    }
  }
  try {
    return JSON.parse(str) as unknown;
  } catch (err) {
    throw new FormatError('parse', `${label} is not valid JSON: ${(err as Error).message}`);
  }
}
