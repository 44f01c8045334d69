/**
 * A tiny pickle assembler for hand-built opcode streams: each helper returns the bytes of one opcode with
 * its argument, `asm` concatenates them. Tests build exactly the stream a threat describes.
 */
export type Part = Buffer | string | readonly number[];

export function asm(...parts: Part[]): Buffer {
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

export const op = {
  proto: (n: number) => Buffer.from([0x80, n]),
  frame: (n: number | bigint) => Buffer.concat([Buffer.from([0x95]), u64(BigInt(n))]),
  global: (m: string, n: string) => Buffer.from(`c${m}\n${n}\n`, 'utf8'),
  inst: (m: string, n: string) => Buffer.from(`i${m}\n${n}\n`, 'utf8'),
  sbu: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x8c, b.length]), b]);
  },
  bu: (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([0x58]), u32(b.length), b]);
  },
  unicode: (s: string) => Buffer.from(`V${s}\n`, 'latin1'),
  string: (s: string) => Buffer.from(`S'${s}'\n`, 'latin1'),
  binstring: (s: string) => Buffer.concat([Buffer.from([0x55, s.length]), Buffer.from(s, 'latin1')]),
  binbytes: (b: Buffer) => Buffer.concat([Buffer.from([0x42]), u32(b.length), b]),
  shortBinbytes: (b: Buffer) => Buffer.concat([Buffer.from([0x43, b.length]), b]),
  binbytes8Header: (n: bigint) => Buffer.concat([Buffer.from([0x8e]), u64(n)]),
  binint1: (n: number) => Buffer.from([0x4b, n]),
  int: (text: string) => Buffer.from(`I${text}\n`, 'latin1'),
  long: (text: string) => Buffer.from(`L${text}\n`, 'latin1'),
  put: (n: number) => Buffer.from(`p${n}\n`),
  get: (n: number) => Buffer.from(`g${n}\n`),
  binput: (n: number) => Buffer.from([0x71, n]),
  binget: (n: number) => Buffer.from([0x68, n]),
  ext1: (n: number) => Buffer.from([0x82, n]),
  MARK: '(',
  STOP: '.',
  POP: '0',
  POP_MARK: '1',
  DUP: '2',
  NONE: 'N',
  REDUCE: 'R',
  BUILD: 'b',
  TUPLE: 't',
  TUPLE1: [0x85],
  TUPLE2: [0x86],
  TUPLE3: [0x87],
  EMPTY_TUPLE: ')',
  EMPTY_LIST: ']',
  EMPTY_DICT: '}',
  EMPTY_SET: [0x8f],
  APPEND: 'a',
  APPENDS: 'e',
  SETITEM: 's',
  SETITEMS: 'u',
  ADDITEMS: [0x90],
  DICT: 'd',
  LIST: 'l',
  OBJ: 'o',
  NEWOBJ: [0x81],
  NEWOBJ_EX: [0x92],
  STACK_GLOBAL: [0x93],
  MEMOIZE: [0x94],
  NEWTRUE: [0x88],
} as const;

/** `GLOBAL module name; <arg>; TUPLE1; REDUCE` — the classic call, then STOP. */
export function callPickle(module: string, name: string, arg = 'echo modelscan-guard-test', proto = 2): Buffer {
  return asm(op.proto(proto), op.global(module, name), op.bu(arg), op.TUPLE1, op.REDUCE, op.STOP);
}
