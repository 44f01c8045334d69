/**
 * Tar archives (.tar, .nemo, .mar, and torch's oldest format): every regular member scanned through the
 * engine; links, zip-slip names and too many members reported.
 * torch's legacy tar format (members sys_info, storages, tensors, pickle; torch/serialization.py
 * legacy_load) interleaves pickles with raw bytes in `storages` and `tensors`: those members are read as the
 * loader reads them, each raw part skipped exactly.
 */
import { traversalReason } from '../containers/paths.js';
import { listTar, TarFormatError } from '../containers/tar.js';
import { SliceSource, type ByteSource } from '../io/byte-source.js';
import { Collector } from './collector.js';
import { makeVmPolicy, pickleFindings } from './pickle/index.js';
import { analyseStream, type StreamLayout } from './pickle/stream.js';
import { joinMember, type ScanContext, type Scanner, type ScannerOutput } from './scanner.js';
import { storageElementSize, storageRecordEnd } from './torch/storage-types.js';

const SCANNER = 'tar';
/** Types tarfile knows and does not read as files (links are reported above): devices, directories, FIFOs. */
const NOT_FILES = new Set(['3', '4', '5', '6']);

export { isTarHeader, tarChecksums, tarNumber } from '../containers/tar-header.js';

export const tarScanner: Scanner = {
  id: SCANNER,
  formats: ['tar'],
  async scan(src: ByteSource, ctx: ScanContext): Promise<ScannerOutput> {
    const out = new Collector(ctx, SCANNER);
    const finding = out.finding.bind(out);
    const error = out.error.bind(out);
    let listing: ReturnType<typeof listTar>;
    try {
      listing = listTar(src, ctx.limits.archive.maxEntries);
    } catch (err) {
      if (!(err instanceof TarFormatError)) throw err;
      error('parse', undefined, `tar archive cannot be read: ${err.message}`);
      return out.output;
    }
    if (listing.truncated) error('limit', listing.firstUnlisted, `more than ${ctx.limits.archive.maxEntries} members: only the first ${listing.members.length} were analysed; this one and those after it were not`);
    const names = new Set(listing.members.map((m) => m.name));
    const torchLegacy = ['sys_info', 'storages', 'tensors', 'pickle'].every((n) => names.has(n));
    for (const m of listing.members) {
      const why = traversalReason(m.name);
      if (why) finding('HIGH', 'archive/path-traversal', m.name, `member name is ${why}: extracting the archive writes outside the target directory`);
      if (m.type === '1' || m.type === '2') {
        finding('HIGH', 'archive/symlink', m.name, `member is a ${m.type === '2' ? 'symbolic' : 'hard'} link to ${JSON.stringify(m.linkName.slice(0, 120))}: extracting it can point a later write or read anywhere on the machine`);
        continue;
      }
      // Python's tarfile (and so torch's legacy_load) reads every member as a regular file except the types
      // it knows to be something else: an unknown type flag ('Z') is a file to it, extracted and read.
      if (NOT_FILES.has(m.type)) continue;
      if (m.sparse) {
        error('unsupported', m.name, 'member is a GNU sparse file, which tarfile rebuilds from a map of data and holes: this version does not rebuild it, so it was not analysed');
        continue;
      }
      const body = new SliceSource(src, m.dataOffset, m.size);
      if (torchLegacy && (m.name === 'storages' || m.name === 'tensors')) {
        out.add(await scanLegacyMember(body, m.name, ctx));
        continue;
      }
      const outcome = await ctx.scanNested(body, m.name);
      out.add(outcome);
      if (!outcome.scanned && outcome.formats.length > 0) error('unsupported', m.name, `member is ${outcome.formats.join(' + ')}, which this version cannot scan`);
    }
    return out.output;
  },
};

/**
 * `storages`: a pickled count, then per storage a pickled (key, location, storage_type) and its raw bytes
 * (`<int64 count><count × element size>`), then one more pickle, `storage_views` (a list of
 * (target_cdata, root_cdata, offset, numel)). `tensors`: a pickled count, then per tensor a pickled
 * (key, storage_id, type) followed by int32 ndim, 4 bytes, ndim sizes and ndim strides (int64), an int64
 * storage offset. torch/serialization.py legacy_load reads nothing more of either member.
 */
export function legacyTarLayout(member: 'storages' | 'tensors'): StreamLayout {
  /** The count the first pickle gives; null when it is no integer the loader could range over. */
  let count: number | null = null;
  return {
    afterPickle(index, run, src) {
      if (index === 0) {
        const v = run.value;
        count = v?.kind === 'scalar' && v.type === 'int' && v.value !== undefined ? v.value : null;
        if (count === null) return { error: `legacy torch tar: the ${member} member does not start with a pickled count; the records after it were not located` };
        return null;
      }
      // Past the records: storages' storage_views list, and anything after it, which the loader never reads
      // (the stream walk still searches it).
      if (count === null || index > count) return null;
      if (member === 'tensors') {
        const h = src.read(run.end, 4);
        if (h.length < 4) return { error: 'legacy torch tar: the tensors member ends inside a tensor header' };
        const ndim = h.readInt32LE(0);
        if (ndim < 0 || ndim > 64) return { error: `legacy torch tar: tensor with ${ndim} dimensions` };
        return { next: run.end + 8 + 16 * ndim + 8 };
      }
      const v = run.value;
      const type = v?.kind === 'tuple' ? v.items[2] : undefined;
      const size = type?.kind === 'global' ? storageElementSize(type.record.module, type.record.name) : null;
      if (size === null) return { error: 'legacy torch tar: a storage record does not name a torch storage class; its data was not located' };
      const end = storageRecordEnd((o, l) => src.read(o, l), src.size, run.end, size);
      return typeof end === 'string' ? { error: `legacy torch tar: ${end}` } : { next: end };
    },
  };
}

async function scanLegacyMember(body: ByteSource, name: 'storages' | 'tensors', ctx: ScanContext): Promise<ScannerOutput> {
  const memberCtx = { ...ctx, member: joinMember(ctx.member, name) };
  const analysis = analyseStream(body, makeVmPolicy(ctx.pickle), ctx.limits.pickle, undefined, legacyTarLayout(name), ctx.budget);
  return pickleFindings(body, analysis, memberCtx);
}
