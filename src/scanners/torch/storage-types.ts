/**
 * Element sizes of torch's storage classes, as torch._utils._element_size gives them for the storage's dtype.
 * The legacy formats store each storage as an 8-byte element count followed by count × element size bytes.
 */
const SIZES: Record<string, number> = {
  DoubleStorage: 8, FloatStorage: 4, HalfStorage: 2, BFloat16Storage: 2, LongStorage: 8, IntStorage: 4, ShortStorage: 2,
  CharStorage: 1, ByteStorage: 1, BoolStorage: 1, ComplexDoubleStorage: 16, ComplexFloatStorage: 8, QUInt8Storage: 1,
  QInt8Storage: 1, QInt32Storage: 4, QUInt4x2Storage: 1, QUInt2x4Storage: 1, UntypedStorage: 1,
};

/** Element size of `module.name` when it is one of torch's storage classes; null otherwise. */
export function storageElementSize(module: string, name: string): number | null {
  if (module !== 'torch' && module !== 'torch.cuda' && module !== 'torch.storage') return null;
  return SIZES[name] ?? null;
}

/** Reads one `<int64 count><count × size bytes>` record at `pos`; returns where it ends, or why it cannot. */
export function storageRecordEnd(read: (offset: number, length: number) => Buffer, fileSize: number, pos: number, elementSize: number): number | string {
  const head = read(pos, 8);
  if (head.length < 8) return `the file ends inside a storage size header at byte ${pos}`;
  const count = head.readBigInt64LE(0);
  if (count < 0n) return `negative storage size at byte ${pos}`;
  const end = BigInt(pos + 8) + count * BigInt(elementSize);
  if (end > BigInt(fileSize)) return `a storage at byte ${pos} declares ${count} elements, more than the file holds`;
  return Number(end);
}
