/** `modelscan-guard explain RULE`: what a rule means, why it is dangerous, what to do. Reads src/rules.ts only. */
import { parseArgs } from 'node:util';
import { EXIT, type ExitCode } from '../engine/verdict.js';
import { RULES, ruleDoc, type RuleDoc } from '../rules.js';
import { UsageError } from './usage.js';

export const EXPLAIN_HELP = `Usage: modelscan-guard explain RULE
       modelscan-guard explain [--list] [--markdown]

Prints a rule's id, title, why it is dangerous and how to fix it. Without RULE (or with --list), lists every
rule; --markdown prints that list as the table in README.md.
`;

function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length]!;
}

/** Rules whose id (or its part after the scanner prefix) contains, or is a few edits from, what was typed. */
export function closeMatches(query: string, rules: readonly RuleDoc[] = RULES): RuleDoc[] {
  const q = query.toLowerCase();
  const scored = rules.map((r) => {
    const id = r.id.toLowerCase();
    const short = id.slice(id.indexOf('/') + 1);
    const contains = id.includes(q) || (q.length >= 3 && r.title.toLowerCase().includes(q));
    const score = contains ? 0 : Math.min(distance(q, id), distance(q, short));
    return { r, score };
  });
  const limit = Math.max(2, Math.floor(q.length / 3));
  return scored.filter((s) => s.score <= limit).sort((a, b) => a.score - b.score || a.r.id.localeCompare(b.r.id)).map((s) => s.r);
}

export function formatRule(doc: RuleDoc): string {
  return `${doc.id}\n  ${doc.title}\n\nWhy it is dangerous:\n  ${doc.why}\n\nWhat to do:\n  ${doc.fix}\n`;
}

/** README's rules table: generated from RULES, so a test can check README lists every rule. */
export function rulesTable(rules: readonly RuleDoc[] = RULES): string {
  const rows = rules.map((r) => `| \`${r.id}\` | ${r.title.replace(/\|/g, '\\|')} |`);
  return ['| rule | what it means |', '|---|---|', ...rows].join('\n') + '\n';
}

export function runExplain(argv: string[]): ExitCode {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: { list: { type: 'boolean', default: false }, markdown: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(EXPLAIN_HELP);
    return EXIT.CLEAN;
  }
  if (positionals.length > 1) throw new UsageError('explain takes one rule id, e.g. pickle/dangerous-global');
  if (positionals.length === 0 || values.list || values.markdown) {
    process.stdout.write(values.markdown ? rulesTable() : RULES.map((r) => `${r.id.padEnd(28)} ${r.title}`).join('\n') + '\n');
    return EXIT.CLEAN;
  }
  const id = positionals[0]!;
  const doc = ruleDoc(id) ?? RULES.find((r) => r.id.toLowerCase() === id.toLowerCase());
  if (doc) {
    process.stdout.write(formatRule(doc));
    return EXIT.CLEAN;
  }
  const near = closeMatches(id);
  const hint = near.length > 0 ? `did you mean:\n${near.map((r) => `  ${r.id}  (${r.title})`).join('\n')}` : "'modelscan-guard explain --list' lists every rule";
  process.stderr.write(`modelscan-guard: no rule ${JSON.stringify(id)}; ${hint}\n`);
  return EXIT.USAGE;
}
