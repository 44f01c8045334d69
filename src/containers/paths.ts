/** Member names that escape the extraction directory (zip slip), shared by the zip and tar scanners. */
export function traversalReason(name: string): string | null {
  // The usual name, thousands of times per checkpoint: no "..", no backslash, not absolute, no drive letter.
  if (!name.includes('..') && !name.includes('\\') && name[0] !== '/' && name[1] !== ':') return null;
  if (name.startsWith('/') || name.startsWith('\\')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a Windows drive path';
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return name.includes('\\') ? 'a "..\\" path' : 'a "../" path';
  return null;
}
