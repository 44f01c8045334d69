/**
 * A tar member lister over a ByteSource (ustar, pax and GNU long names), bounded in members. Member data is
 * never read here: callers get offsets and read what they need.
 */
import type { ByteSource } from '../io/byte-source.js';
import { tarChecksums, tarNumber } from './tar-header.js';

export interface TarMember {
  name: string;
  /** '0' regular, '1' hard link, '2' symlink, '5' directory, … ('\0' is read as '0'). */
  type: string;
  linkName: string;
  dataOffset: number;
  size: number;
  headerOffset: number;
  /**
   * A GNU sparse file: tarfile rebuilds it from a map of data runs and holes, so its stored bytes are not the
   * file a reader gets. Listed (so that the members after it are found where tarfile finds them), not read.
   */
  sparse?: true;
}

export class TarFormatError extends Error {}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.toString('utf8', 0, nul < 0 ? s.length : nul);
}

/** tarfile accepts a header whose checksum equals the unsigned or the signed byte sum. */
function checksumOk(h: Buffer): boolean {
  const stored = tarNumber(h.subarray(148, 156));
  if (stored === null) return false;
  const [unsigned, signed] = tarChecksums(h);
  return stored === BigInt(unsigned) || stored === BigInt(signed);
}

/** A size field as tarfile's nti reads it. */
function sizeField(h: Buffer, pos: number): number {
  const n = tarNumber(h.subarray(124, 136));
  if (n === null || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new TarFormatError(`member size at byte ${pos} is not a size tarfile reads`);
  return Number(n);
}

/**
 * Links, devices, directories and FIFOs: tarfile reads the next header right after theirs, whatever their size
 * field says (TarInfo._proc_builtin skips data only for regular files and unknown types). Skipping a size
 * there would hide the members tarfile finds inside that "data".
 */
const NO_DATA_TYPES = new Set(['1', '2', '3', '4', '5', '6']);

/**
 * A pax number field (`size`) as tarfile's _apply_pax_info reads it: Python's int() of the text (surrounding
 * whitespace, a sign, underscores between digits), and 0 where int() raises. " 1024", "+1024" and "1_024" are
 * 1024 to tarfile: reading them any other way puts the next header elsewhere than tarfile does.
 */
function paxNumber(text: string, pos: number): number {
  const t = text.replace(/^[\s\u001c-\u001f]+|[\s\u001c-\u001f]+$/g, '');
  if (!/^[+-]?\d(?:_?\d)*$/.test(t)) return 0;
  const n = Number(t.replace(/_/g, ''));
  if (n < 0 || !Number.isSafeInteger(n)) throw new TarFormatError(`pax size ${JSON.stringify(text.slice(0, 40))} for the member at byte ${pos} is not one a reader can use`);
  return n;
}

function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(data.toString('latin1', i, sp), 10);
    if (!Number.isSafeInteger(len) || len <= 0 || i + len > data.length) break;
    const rec = data.toString('utf8', sp + 1, i + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

export function listTar(src: ByteSource, maxEntries: number): { members: TarMember[]; truncated: boolean; firstUnlisted?: string } {
  const members: TarMember[] = [];
  let pos = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let pax = new Map<string, string>();
  /** Global pax headers ('g'): tarfile applies them to every later member. */
  const globalPax = new Map<string, string>();
  while (pos + 512 <= src.size) {
    const h = src.read(pos, 512);
    if (h.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(h)) throw new TarFormatError(`bad header checksum at byte ${pos}`);
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]!);
    const noData = NO_DATA_TYPES.has(type);
    const size = noData ? 0 : sizeField(h, pos);
    // Old GNU sparse headers may be followed by extension blocks of the sparse map (flag at 482, then at 504
    // of each block): tarfile reads them before the data (TarInfo._proc_sparse).
    let dataOffset = pos + 512;
    if (type === 'S') {
      for (let extended = h[482] !== 0; extended; ) {
        if (dataOffset + 512 > src.size) throw new TarFormatError(`sparse map of the member at byte ${pos} runs past the end of the file`);
        extended = src.read(dataOffset, 512)[504] !== 0;
        dataOffset += 512;
      }
    }
    if (dataOffset + size > src.size) throw new TarFormatError(`member at byte ${pos} runs past the end of the file`);
    const next = dataOffset + Math.ceil(size / 512) * 512;
    // 'X' is Solaris's pax header, which tarfile reads as 'x'.
    if (type === 'x' || type === 'X' || type === 'g' || type === 'L' || type === 'K') {
      if (size > 1 << 20) throw new TarFormatError(`extended header of ${size} bytes at byte ${pos}`);
      const data = src.read(dataOffset, size);
      if (type === 'x' || type === 'X') pax = paxRecords(data);
      else if (type === 'g') for (const [k, v] of paxRecords(data)) globalPax.set(k, v);
      else if (type === 'L') longName = cstr(data, 0, data.length);
      else if (type === 'K') longLink = cstr(data, 0, data.length);
      pos = next;
      continue;
    }
    if (globalPax.size > 0) pax = new Map([...globalPax, ...pax]);
    if (members.length >= maxEntries) return { members, truncated: true, firstUnlisted: pax.get('path') ?? longName ?? cstr(h, 0, 100) };
    const ustar = h.toString('latin1', 257, 262) === 'ustar';
    const prefix = ustar ? cstr(h, 345, 155) : '';
    let name = longName ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
    name = pax.get('path') ?? name;
    const linkName = pax.get('linkpath') ?? longLink ?? cstr(h, 157, 100);
    const paxSize = pax.get('size');
    const realSize = noData ? 0 : paxSize !== undefined ? paxNumber(paxSize, pos) : size;
    if (dataOffset + realSize > src.size) throw new TarFormatError(`member at byte ${pos} runs past the end of the file (pax size ${realSize})`);
    const member: TarMember = { name, type, linkName, dataOffset, size: realSize, headerOffset: pos };
    if (type === 'S' || [...pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) member.sparse = true;
    members.push(member);
    pos = paxSize !== undefined && !noData ? dataOffset + Math.ceil(realSize / 512) * 512 : next;
    longName = null;
    longLink = null;
    pax = new Map();
  }
  return { members, truncated: false };
}
