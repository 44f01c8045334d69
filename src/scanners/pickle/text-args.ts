/**
 * Argument parsing of the text opcodes exactly as CPython 3.11's C unpickler does it. The values hardly
 * matter to the analysis; what matters is accepting and rejecting the same lines as the real loader,
 * because a scanner that rejects `I0x10\n` (pickletools does) stops reading where CPython goes on.
 */
import { isUtf8 } from 'node:buffer';

const PY_WS = /^[\s\u001c-\u001f\u0085\u00a0]+|[\s\u001c-\u001f\u0085\u00a0]+$/g;

/** Python's int(text, base) acceptance for base 0 or 10 (underscores, prefixes, whitespace). */
export function pythonIntAccepts(raw: string, base: 0 | 10): boolean {
  const s = raw.replace(PY_WS, '');
  const m = /^[+-]?(.*)$/s.exec(s);
  if (!m) return false;
  const body = m[1]!;
  if (base === 10) return /^\d(_?\d)*$/.test(body);
  if (/^0[xX](_?[0-9a-fA-F])+$/.test(body)) return true;
  if (/^0[oO](_?[0-7])+$/.test(body)) return true;
  if (/^0[bB](_?[01])+$/.test(body)) return true;
  if (/^0(_?0)*$/.test(body)) return true; // leading zeros only when the value is zero
  return /^[1-9](_?\d)*$/.test(body);
}

/**
 * The text `PyLong_FromString` sees: CPython copies the line into a NUL-terminated buffer and that C function
 * stops at the first NUL, so `p0\0junk\n` is PUT 0.
 */
function untilNul(raw: string): string {
  const nul = raw.indexOf('\0');
  return nul < 0 ? raw : raw.slice(0, nul);
}

/** Parses a base-10 memo index as `PyLong_FromString(s, NULL, 10)`; null when CPython would raise. */
export function parseMemoIndex(line: string): number | null {
  const raw = untilNul(line);
  if (!pythonIntAccepts(raw, 10)) return null;
  const n = Number(raw.replace(PY_WS, '').replace(/_/g, ''));
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * INT: `strtol(s, &end, 0)` accepting when it stops at the newline or a NUL; otherwise CPython falls back to
 * `PyLong_FromString(s, NULL, 0)`. `line` excludes the newline. Returns 'bool' for the 00/01 forms.
 */
export function parseIntLine(line: Buffer): 'int' | 'bool' | null {
  if (line.length === 2 && line[0] === 0x30 && (line[1] === 0x30 || line[1] === 0x31)) return 'bool';
  if (cStrtolAccepts(line)) return 'int';
  return pythonIntAccepts(line.toString('latin1'), 0) ? 'int' : null;
}

function cStrtolAccepts(line: Buffer): boolean {
  let i = 0;
  const n = line.length;
  const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);
  while (i < n && isSpace(line[i]!)) i++;
  if (i < n && (line[i] === 0x2b || line[i] === 0x2d)) i++;
  let digits = 0;
  const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
  if (i + 2 < n + 1 && line[i] === 0x30 && (line[i + 1] === 0x78 || line[i + 1] === 0x58) && i + 2 < n && isHex(line[i + 2]!)) {
    i += 2;
    while (i < n && isHex(line[i]!)) (i++, digits++);
  } else if (i < n && line[i] === 0x30) {
    i++;
    digits++;
    while (i < n && line[i]! >= 0x30 && line[i]! <= 0x37) (i++, digits++);
  } else {
    while (i < n && line[i]! >= 0x30 && line[i]! <= 0x39) (i++, digits++);
  }
  if (digits === 0) return false; // no conversion: endptr is the start, not the newline
  return i === n || line[i] === 0x00;
}

/** LONG: an optional trailing 'L' is dropped, then `PyLong_FromString(s, NULL, 0)`. */
export function parseLongLine(line: Buffer): boolean {
  let s = line.toString('latin1');
  if (s.endsWith('L')) s = s.slice(0, -1);
  return pythonIntAccepts(untilNul(s), 0);
}

/** FLOAT: `PyOS_string_to_double`, which must stop at the newline (or a NUL). No leading whitespace. */
export function parseFloatLine(line: Buffer): boolean {
  let s = line.toString('latin1');
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  return /^[+-]?((\d(_?\d)*(\.(\d(_?\d)*)?)?|\.\d(_?\d)*)([eE][+-]?\d(_?\d)*)?|inf(inity)?|nan)$/i.test(s);
}

/**
 * STRING: the argument must be quoted with the same quote at both ends; the inside is decoded like a Python 2
 * str literal (`PyBytes_DecodeEscape`). Returns null when CPython raises.
 */
export function decodeStringLine(line: Buffer): Buffer | null {
  const n = line.length;
  if (n < 2 || line[0] !== line[n - 1] || (line[0] !== 0x27 && line[0] !== 0x22)) return null;
  return decodeEscapes(line.subarray(1, n - 1));
}

function decodeEscapes(s: Buffer): Buffer | null {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    i++;
    if (i >= s.length) return null; // "Trailing \ in string"
    const e = s[i]!;
    const simple: Record<number, number> = { 0x5c: 0x5c, 0x27: 0x27, 0x22: 0x22, 0x61: 7, 0x62: 8, 0x66: 12, 0x6e: 10, 0x72: 13, 0x74: 9, 0x76: 11 };
    if (simple[e] !== undefined) out.push(simple[e]!);
    else if (e === 0x0a) continue;
    else if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && i + 1 < s.length && s[i + 1]! >= 0x30 && s[i + 1]! <= 0x37; k++) v = v * 8 + (s[++i]! - 0x30);
      out.push(v & 0xff);
    } else if (e === 0x78) {
      const hex = s.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null; // "invalid \x escape"
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(0x5c, e); // unknown escapes are kept verbatim
    }
  }
  return Buffer.from(out);
}

/** UNICODE: raw-unicode-escape; only \u and \U after an odd run of backslashes are escapes. */
export function decodeRawUnicodeEscape(s: Buffer): string | null {
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c !== 0x5c) {
      out += String.fromCharCode(c);
      i++;
      continue;
    }
    let run = 0;
    while (i + run < s.length && s[i + run] === 0x5c) run++;
    const next = s[i + run];
    if (run % 2 === 1 && (next === 0x75 || next === 0x55)) {
      out += '\\'.repeat(run - 1);
      const width = next === 0x75 ? 4 : 8;
      const hex = s.subarray(i + run + 1, i + run + 1 + width).toString('latin1');
      if (hex.length !== width || !/^[0-9a-fA-F]+$/.test(hex)) return null; // truncated \uXXXX escape
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) return null;
      out += String.fromCodePoint(cp);
      i += run + 1 + width;
    } else {
      out += '\\'.repeat(run);
      i += run;
    }
  }
  return out;
}

/**
 * Module and class lines of GLOBAL/INST are UTF-8; invalid bytes (surrogates and overlong forms included)
 * make CPython raise. Validated before decoding rather than by a fatal TextDecoder: its throw on invalid bytes
 * cost more than the rest of a run in the search of junk.
 */
export function decodeUtf8Strict(b: Buffer): string | null {
  return isUtf8(b) ? b.toString('utf8') : null;
}
