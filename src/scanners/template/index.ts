/**
 * Chat templates outside GGUF: `chat_template` in tokenizer_config.json (or chat_template.json, same
 * shape: a string, or a list of {name, template}), and chat_template.jinja files, which transformers
 * renders with the same Jinja as llama-cpp-python did.
 */
import type { FormatId } from '../../types.js';
import { formatScanner, FormatError } from '../emit.js';
import { parseJsonText } from '../keras/json-text.js';
import type { Scanner } from '../scanner.js';
import { checkChatTemplate } from './jinja-check.js';

/** A scanner reading the whole (bounded) file and judging the templates `extract` finds in it. */
function templateScanner(formats: readonly FormatId[], extract: (bytes: Buffer, maxJson: number) => { label: string; text: string }[]): Scanner {
  return formatScanner('chat-template', formats, (src, ctx, em) => {
    const max = ctx.limits.formats.maxJsonBytes;
    if (src.size > max) throw new FormatError('limit', `${src.size} bytes, more than the ${max}-byte limit for configuration files; not analysed`);
    for (const t of extract(src.read(0, src.size), max)) {
      for (const issue of checkChatTemplate(t.text, t.label)) em.finding(issue.severity, issue.rule, issue.description);
    }
  });
}

export const tokenizerConfigScanner = templateScanner(['tokenizer-config'], templatesOfConfig);
export const jinjaTemplateScanner = templateScanner(['jinja-template'], (bytes) => [{ label: 'chat template', text: bytes.toString('utf8') }]);

/** The chat_template entries of a JSON configuration. */
function templatesOfConfig(bytes: Buffer, max: number): { label: string; text: string }[] {
  const tree = parseJsonText(bytes, 'tokenizer configuration', max);
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) throw new FormatError('parse', 'not a JSON object');
  const ct = (tree as Record<string, unknown>)['chat_template'];
  if (ct === undefined || ct === null) return [];
  if (typeof ct === 'string') return [{ label: 'chat_template', text: ct }];
  if (!Array.isArray(ct)) throw new FormatError('parse', 'chat_template is neither a string nor a list of named templates');
  return ct.map((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    const name = e !== null && typeof e === 'object' ? e['name'] : undefined;
    const text = e !== null && typeof e === 'object' ? e['template'] : undefined;
    if (typeof text !== 'string') throw new FormatError('parse', `chat_template[${i}] has no template string`);
    return { label: `chat_template ${typeof name === 'string' ? name : `#${i}`}`, text };
  });
}
