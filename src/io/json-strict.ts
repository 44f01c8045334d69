/**
 * A strict JSON parser for headers whose every byte matters (safetensors): unlike JSON.parse it rejects
 * duplicate keys (JSON.parse keeps the last one silently, another parser may keep the first: a parser
 * differential) and bounds nesting depth. Numbers are kept as their source text so integers above 2^53
 * are never rounded.
 */
import { FormatError } from '../scanners/emit.js';

export type JsonValue = null | boolean | JsonNumber | string | JsonValue[] | JsonObject;
export interface JsonNumber {
  kind: 'number';
  text: string;
}
export interface JsonObject {
  kind: 'object';
  /** Entries in source order; keys are unique (a duplicate is an error). */
  entries: Map<string, JsonValue>;
}

export function isJsonObject(v: JsonValue): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && v.kind === 'object';
}
export function isJsonNumber(v: JsonValue): v is JsonNumber {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && v.kind === 'number';
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonStrict(text: string, maxDepth: number): JsonValue {
  let i = 0;
  const fail = (msg: string): never => {
    throw new FormatError('parse', `${msg} at character ${i}`);
  };
  const skipWs = (): void => {
    while (i < text.length && WS.has(text.charCodeAt(i))) i++;
  };
  const parseString = (): string => {
    // JSON.parse of the exact token does the escape handling; the scan only finds where the token ends.
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) i++;
      else if (c < 0x20) fail('control character in a string');
      i++;
    }
    if (i >= text.length) fail('unterminated string');
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('invalid string escape');
    }
  };
  const parseValue = (depth: number): JsonValue => {
    if (depth > maxDepth) fail(`JSON nested deeper than ${maxDepth} levels`);
    skipWs();
    const c = text[i];
    if (c === '{') {
      i++;
      const entries = new Map<string, JsonValue>();
      skipWs();
      if (text[i] === '}') {
        i++;
        return { kind: 'object', entries };
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a key');
        const key = parseString();
        if (entries.has(key)) fail(`duplicate key ${JSON.stringify(key.slice(0, 100))}`);
        skipWs();
        if (text[i] !== ':') fail('expected ":"');
        i++;
        entries.set(key, parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return { kind: 'object', entries };
        }
        fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const items: JsonValue[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return items;
      }
      for (;;) {
        items.push(parseValue(depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return items;
        }
        fail('expected "," or "]"');
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('unexpected character');
    i += m[0].length;
    return { kind: 'number', text: m[0] };
  };
  const v = parseValue(0);
  skipWs();
  if (i !== text.length) fail('data after the JSON value');
  return v;
}
