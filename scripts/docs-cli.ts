// docs/cli.md: every command's --help, as commander prints it at 80 columns, made from the program itself (npm run
// docs:cli; --check fails when the file is out of date, as test/docs/cli.test.ts does).

import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { program } from '../src/cli/main.js';
import { writeDoc } from './docs-write.js';

export const CLI_DOC = 'docs/cli.md';

/** The page: a heading and the --help text of each command and subcommand, in the order --help lists them. */
export function cliDoc(): string {
  let text = '';
  const p = program({
    out: (s) => {
      text += s;
    },
    err: () => {},
  });
  const sections: string[] = [];
  const walk = (cmd: Command, path: string) => {
    for (const sub of cmd.commands) {
      sub.configureOutput({ getOutHelpWidth: () => 80 }); // not the terminal's width: the page is the same anywhere
      text = '';
      sub.outputHelp();
      sections.push(`## \`seqtune ${path}${sub.name()}\`\n\n\`\`\`text\n${text.trimEnd()}\n\`\`\``);
      walk(sub, `${path}${sub.name()} `);
    }
  };
  p.configureOutput({ getOutHelpWidth: () => 80 });
  text = '';
  p.outputHelp();
  const top = text.trimEnd();
  walk(p, '');
  const page = [
    '# Commands and options',
    "Every command's `--help`, made from the program (`npm run docs:cli`). Exit codes, the run folder and the " +
      'config file: [config.md](config.md).',
    `\`\`\`text\n${top}\n\`\`\``,
    ...sections,
  ];
  return `${page.join('\n\n')}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  writeDoc('docs:cli', CLI_DOC, (_before) => cliDoc());
