/** Member names that escape the extraction directory (zip slip), shared by the zip and tar scanners. */
export function traversalReason(name: string): string | null {
  if (name.startsWith('/') || name.startsWith('\\')) return 'an absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'a Windows drive path';
  const parts = name.split(/[\\/]/);
  if (parts.includes('..')) return name.includes('\\') ? 'a "..\\" path' : 'a "../" path';
  return null;
}
