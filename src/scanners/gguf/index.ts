/**
 * The GGUF scanner: the file's structure must be what llama.cpp accepts (bounded parse, see parse.ts),
 * and its chat templates must not escape the Jinja sandbox. Tensor data is never read.
 */
import { formatScanner } from '../emit.js';
import { checkChatTemplate } from '../template/jinja-check.js';
import { emptyGgufInfo, parseGguf } from './parse.js';

export const ggufScanner = formatScanner('gguf', ['gguf'], (src, ctx, em) => {
  const info = emptyGgufInfo();
  try {
    parseGguf(src, ctx.limits.formats, info);
  } finally {
    // Templates read before a structural error are judged too: the error alone already blocks, the
    // finding says why the file is dangerous.
    for (const t of info.templates) {
      for (const issue of checkChatTemplate(t.text, t.key)) em.finding(issue.severity, issue.rule, issue.description, { offset: t.offset });
    }
    for (const key of info.oversizedTemplates) {
      em.error('limit', `${key} is longer than ${ctx.limits.formats.maxTemplateBytes} bytes and was not analysed`);
    }
  }
});
