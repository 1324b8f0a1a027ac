/**
 * Manual pages in roff (man(7) macros), written from the same commander definitions `--help` prints — the
 * summary, description, usage, options and the "after" help text (the examples) — so a page cannot say
 * something the command does not do: `kcmp(1)` for the program, `kcmp-NAME(1)` per subcommand, as git
 * and systemd name theirs.
 */
import { type Command, Help, type Option } from 'commander';

export interface ManPage {
  /** The file name: kcmp.1, kcmp-fds.1. */
  file: string;
  text: string;
}

/** Text escaped for roff: backslashes, and a line that would start with a control character. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** The help text a command adds after its options (commander keeps it as an 'afterHelp' listener). */
function afterHelp(cmd: Command): string {
  let text = '';
  (cmd as unknown as NodeJS.EventEmitter).emit('afterHelp', {
    error: false,
    command: cmd,
    write: (s: string) => (text += s),
  });
  return text.trim();
}

function optionItems(options: readonly Option[]): string[] {
  return options.flatMap((o) => ['.TP', `.B ${roff(o.flags)}`, roff(o.description || '')]);
}

function header(name: string, version: string): string {
  return `.TH ${roff(name.toUpperCase())} 1 "" "kcmp ${roff(version)}" "User Commands"`;
}

/** Examples and notes from the help text: indented lines become a no-fill block, the rest paragraphs. */
function helpTextSection(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  const title = /^([A-Z][\w ]*):$/.exec(lines[0] ?? '');
  const body = title ? lines.slice(1) : lines;
  return [
    `.SH ${title ? roff((title[1] as string).toUpperCase()) : 'NOTES'}`,
    '.nf',
    roff(body.join('\n')),
    '.fi',
  ];
}

function subcommandPage(program: Command, cmd: Command, version: string): ManPage {
  const name = `${program.name()}-${cmd.name()}`;
  const text = [
    header(name, version),
    '.SH NAME',
    `${roff(name)} \\- ${roff(cmd.summary() || cmd.description())}`,
    '.SH SYNOPSIS',
    `.B ${roff(`${program.name()} ${cmd.name()}`)}`,
    roff(cmd.usage()),
    '.SH DESCRIPTION',
    roff(cmd.description()),
    '.SH OPTIONS',
    ...optionItems(new Help().visibleOptions(cmd)),
    ...helpTextSection(afterHelp(cmd)),
    '.SH SEE ALSO',
    `.BR ${program.name()} (1),`,
    '.BR kcmp (2)',
    '',
  ];
  return { file: `${name}.1`, text: text.join('\n') };
}

/** The subcommands --help lists (without commander's implicit `help`). */
export function visibleCommands(program: Command): Command[] {
  return new Help().visibleCommands(program).filter((c) => c.name() !== 'help');
}

function programPage(program: Command, version: string): ManPage {
  const visible = visibleCommands(program);
  const text = [
    header(program.name(), version),
    '.SH NAME',
    `${roff(program.name())} \\- ${roff(program.summary())}`,
    '.SH SYNOPSIS',
    `.B ${roff(program.name())}`,
    '[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]',
    '.SH DESCRIPTION',
    roff(program.description()),
    '.SH COMMANDS',
    ...visible.flatMap((c) => [
      '.TP',
      `.B ${roff(`${program.name()} ${c.name()}`)}`,
      roff(c.summary() || c.description()),
      '.br',
      `See \\fB${roff(`${program.name()}-${c.name()}`)}\\fR(1).`,
    ]),
    '.SH OPTIONS',
    ...optionItems(new Help().visibleOptions(program)),
    '.SH EXIT STATUS',
    '0 success (for \\fBsame\\fR: the two fds share one open file description; for \\fBleaks\\fR: none found);',
    '1 \\fBsame\\fR: different descriptions, \\fBleaks\\fR: leaks found; 2 bad input, an error, or undecided.',
    '.SH SEE ALSO',
    `${visible.map((c) => `.BR ${roff(`${program.name()}-${c.name()}`)} (1),`).join('\n')}`,
    '.BR kcmp (2),',
    '.BR lsfd (1),',
    '.BR lsof (8)',
    '',
  ];
  return { file: `${program.name()}.1`, text: text.join('\n') };
}

/** kcmp(1) and one page per visible subcommand. */
export function manPages(program: Command, version: string): ManPage[] {
  return [
    programPage(program, version),
    ...visibleCommands(program).map((c) => subcommandPage(program, c, version)),
  ];
}
