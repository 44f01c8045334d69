import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanBytes } from '../../src/api.js';
import { checkChatTemplate, decodeJinjaString } from '../../src/scanners/template/jinja-check.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const issues = (t: string) => checkChatTemplate(t, 'tpl').map((i) => i.severity);

describe('chat template check', () => {
  it('passes real templates: ChatML, Llama 3, Mistral, Gemma and a Qwen-style tools template with namespace()', () => {
    const cfg = JSON.parse(readFileSync(join(FIXTURES, 'benign/formats/tokenizer/named/tokenizer_config.json'), 'utf8')) as { chat_template: { template: string }[] };
    const llama3 = (JSON.parse(readFileSync(join(FIXTURES, 'benign/formats/tokenizer/llama3/tokenizer_config.json'), 'utf8')) as { chat_template: string }).chat_template;
    const gemma = readFileSync(join(FIXTURES, 'benign/formats/tokenizer/jinja/chat_template.jinja'), 'utf8');
    for (const t of [...cfg.chat_template.map((c) => c.template), llama3, gemma]) expect(checkChatTemplate(t, 'tpl')).toEqual([]);
  });

  it('ignores dangerous words in literal text outside {{ }} and {% %}, and in comments', () => {
    expect(issues('Use os.popen and __class__ carefully. {# {{ x.__class__ }} #}{{ message["content"] }}')).toEqual([]);
  });

  const escapes: [string, string][] = [
    ['dunder attribute', "{{ ''.__class__.__mro__[1].__subclasses__() }}"],
    ['cycler globals', "{{ cycler.__init__.__globals__.os.popen('id').read() }}"],
    ['attr filter with hex escapes', "{{ x|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"],
    ['unicode escapes', "{{ x|attr('\\u005f\\u005fclass\\u005f\\u005f') }}"],
    ['octal escapes', "{{ x['\\137\\137class\\137\\137'] }}"],
    ['tilde concatenation', "{{ lipsum['__glo' ~ 'bals__'] }}"],
    ['plus concatenation', "{{ x['__cla' + 'ss__'] }}"],
    ['join of a list', "{% set n = ['__cla','ss__']|join %}{{ x|attr(n) }}"],
    ['popen by subscript', "{{ g['os']['popen']('id') }}"],
    ['popen pieces', "{{ g['po' ~ 'pen']('id') }}"],
    ['__import__ via string', "{{ g['__builtins__']['__import__']('os') }}"],
    ['namespace attr', "{{ namespace|attr('x') }}"],
    ['self reference', '{{ self._TemplateReference__context }}'],
    ['format %c', "{{ '%c%c%c%c%c%c%c%c%c'|format(95,95,99,108,97,115,115,95,95) }}"],
    ['whitespace control', "{%- set x = joiner.__init__ -%}"],
    ['underscores by repetition', "{{ y['_' * 2 ~ 'init' ~ '_' * 2] }}"],
    ['underscore kept in a variable', "{% set u = '_' %}{{ x[u * 2 ~ 'class' ~ u * 2] }}"],
    ['implicit concatenation', "{{ x['__cl' 'ass__'] }}"],
    ['keyword names joined', "{% set n = dict(__cla=1, ss__=1)|join %}{{ x[n] }}"],
  ];
  for (const [name, t] of escapes) {
    it(`finds the ${name} escape`, () => {
      const found = checkChatTemplate(t, 'tpl');
      expect(found.length, JSON.stringify(found)).toBeGreaterThan(0);
      expect(found.every((f) => f.rule.startsWith('template/'))).toBe(true);
      expect(found.some((f) => f.severity === 'CRITICAL' || f.severity === 'HIGH')).toBe(true);
    });
  }

  it('reports {% include %} and friends as unusual, not as an escape', () => {
    expect(checkChatTemplate("{% include 'other.j2' %}", 'tpl').map((f) => `${f.severity} ${f.rule}`)).toEqual(['MEDIUM template/unusual-statement']);
  });

  it('decodes Jinja string escapes like Python unicode-escape', () => {
    expect(decodeJinjaString('\\x5f\\u005f\\U0000005f\\137\\n\\q')).toBe('____\n\\q');
  });

  it('reads chat_template from tokenizer_config.json by name, and only by that name', async () => {
    const bad = Buffer.from(JSON.stringify({ chat_template: "{{ cycler.__init__.__globals__ }}" }));
    expect((await scanBytes(bad, 'tokenizer_config.json')).findings[0]?.rule).toBe('template/sandbox-escape');
    expect((await scanBytes(bad, 'chat_template.json')).findings[0]?.rule).toBe('template/sandbox-escape');
    expect((await scanBytes(bad, 'config.json')).skipped?.category).toBe('unrecognised-format');
    const broken = await scanBytes(Buffer.from('{"chat_template": 42}'), 'tokenizer_config.json');
    expect(broken.errors[0]?.message).toMatch(/neither a string nor a list/);
  });
});
