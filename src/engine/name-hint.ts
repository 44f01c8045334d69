/**
 * The part of a file name the sniffer looks at. Formats without a magic number are recognised by conventional
 * names (saved_model.pb, tokenizer_config.json…) or extensions (.safetensors, .onnx, .gguf, .pb), so the same
 * bytes can be a model under one name and plain data under another. Everything that keys results by content
 * (the verdict cache) adds this class to the key; names of class '' leave the verdict to the bytes alone.
 */

/** Names sniff.ts gives a meaning to, compared lower-case. */
export const SPECIAL_NAMES: ReadonlySet<string> = new Set([
  'saved_model.pb',
  'keras_metadata.pb',
  'fingerprint.pb',
  'tokenizer_config.json',
  'chat_template.json',
  'chat_template.jinja',
]);

/** Extensions sniff.ts gives a meaning to. */
export const SPECIAL_EXTENSIONS: readonly string[] = ['.pb', '.safetensors', '.onnx', '.gguf'];

/** The last path segment of a name (nested payloads are labelled `dir/file`). */
export function baseName(name: string): string {
  return name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
}

/** '' when the name plays no part in sniffing; otherwise the special name or extension it carries. */
export function nameHintClass(name: string): string {
  const base = baseName(name).toLowerCase();
  if (SPECIAL_NAMES.has(base)) return base;
  return SPECIAL_EXTENSIONS.find((ext) => base.endsWith(ext)) ?? '';
}
