/**
 * Shell completion scripts for bash, zsh and fish, written from the commander definitions (subcommands,
 * their options and operands, and what completes each value: completion-values.ts), so they complete
 * exactly what the parser accepts: option names; an option's fixed words (`--engine auto|bpf|kcmp|borrow`,
 * `--format`), or a comma-separated list of them (`-o` column names); pids from /proc (`-p`, `--tree`,
 * `raw PID PID`); and operands by position (`raw PID PID TYPE`, `completion SHELL`).
 */
import { type Argument, type Command, Help, type Option } from 'commander';
import { type CompletionValues, completionValues } from './completion-values.js';
import { visibleCommands } from './man-page.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  name: string;
  summary: string;
  options: Option[];
  operands: readonly Argument[];
}

function specs(program: Command): { root: Option[]; commands: Spec[] } {
  const help = new Help();
  const commands = visibleCommands(program).map((c) => ({
    name: c.name(),
    summary: c.summary() || c.description(),
    options: help.visibleOptions(c),
    operands: c.registeredArguments,
  }));
  return { root: help.visibleOptions(program), commands };
}

function flagsOf(o: Option): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}

/** The option takes a value in the next word (`-o COLS`); an optional value (`--summary [when]`) does not. */
function takesValue(o: Option): boolean {
  return o.required;
}

/** Operands that complete something, with their position (0-based) among the subcommand's operands. */
function completedOperands(c: Spec): { index: number; operand: Argument; values: CompletionValues }[] {
  return c.operands.flatMap((operand, index) => {
    const values = completionValues(operand);
    return values === undefined ? [] : [{ index, operand, values }];
  });
}

/** Options whose value completes something. */
function completedOptions(options: Option[]): { option: Option; values: CompletionValues }[] {
  return options.flatMap((option) => {
    const values = completionValues(option);
    return values === undefined ? [] : [{ option, values }];
  });
}

/** Words for a shell script: our own names (columns, types, engines); none needs quoting. */
function wordList(words: readonly string[]): string {
  for (const w of words) if (!/^[\w.:+-]+$/.test(w)) throw new Error(`cannot complete ${JSON.stringify(w)}`);
  return words.join(' ');
}

function bashOffer(name: string, v: CompletionValues): string {
  const words = v.words === 'pids' ? `"$(_${name}_pids)"` : `'${wordList(v.words)}'`;
  return `${v.list ? `_${name}_offer_list` : `_${name}_offer`} ${words}`;
}

function bash(program: Command): string {
  const { root, commands } = specs(program);
  const name = program.name();
  const words = (options: Option[]) => options.flatMap(flagsOf).join(' ');
  const valued = (c: Spec) => c.options.filter(takesValue).flatMap(flagsOf);
  const optionCases = commands.flatMap((c) =>
    completedOptions(c.options).map(
      ({ option, values }) =>
        `    ${flagsOf(option)
          .map((f) => `${c.name}:${f}`)
          .join('|')}) ${bashOffer(name, values)}; return ;;`,
    ),
  );
  const operandCases = commands.flatMap((c) =>
    completedOperands(c).map(
      ({ index, values }) => `      ${c.name}:${index}) ${bashOffer(name, values)}; return ;;`,
    ),
  );
  return `# bash completion for ${name}: source <(${name} completion bash)
_${name}_pids() { cd /proc && echo [0-9]*; }
_${name}_offer() { COMPREPLY=($(compgen -W "$1" -- "$cur")); }
# A comma-separated list (-o COLS, -p PIDS): the word after the last ',' (or a leading '+') is completed.
_${name}_offer_list() {
  local item=\${cur##*[,+]}
  compopt -o nospace 2>/dev/null
  COMPREPLY=($(compgen -P "\${cur%"$item"}" -W "$1" -- "$item"))
}
_${name}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd= valued= operand=0 i=1
  # The subcommand is the first word that is not an option; operands follow it.
  while ((i < COMP_CWORD)); do
    case \${COMP_WORDS[i]} in -*) ((i++)) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $cmd in
${commands.map((c) => `    ${c.name}) valued=' ${valued(c).join(' ')} ' ;;`).join('\n')}
  esac
  for ((i++; i < COMP_CWORD; i++)); do
    if [[ $valued == *" \${COMP_WORDS[i]} "* ]]; then ((i++)); elif [[ \${COMP_WORDS[i]} != -* ]]; then ((operand++)); fi
  done
  case "$cmd:$prev" in
${optionCases.join('\n')}
  esac
  # Any other option's value (a path, an expression): the shell's default completion.
  [[ -n $cmd && $valued == *" $prev "* ]] && return
  if [[ $cur != -* ]]; then
    case "$cmd:$operand" in
${operandCases.join('\n')}
    esac
  fi
  case $cmd in
    '') _${name}_offer '${commands.map((c) => c.name).join(' ')} ${words(root)}' ;;
${commands.map((c) => `    ${c.name}) _${name}_offer '${words(c.options)}' ;;`).join('\n')}
  esac
}
complete -o default -F _${name} ${name}
`;
}

/** A zsh `_arguments` description (its first clause): no brackets, colons or single quotes unescaped. */
function zshText(text: string): string {
  return text
    .split(/[.;] /)[0]
    ?.trim()
    .replace(/([[\]:\\])/g, '\\$1')
    .replace(/'/g, "'\\''") as string;
}

/** The action of a zsh `_arguments` spec that completes these values. */
function zshAction(name: string, what: string, v: CompletionValues | undefined): string {
  if (v === undefined) return ' ';
  if (v.words === 'pids') return `${v.list ? '_sequence ' : ''}_${name}_pids`;
  return v.list ? `_values -s , ${what} ${wordList(v.words)}` : `(${wordList(v.words)})`;
}

function zshOption(name: string, o: Option): string {
  const flags = flagsOf(o);
  const what = o.attributeName();
  const value = o.required || o.optional ? `:${what}:${zshAction(name, what, completionValues(o))}` : '';
  const spec = (f: string) => `'${f}[${zshText(o.description)}]${value}'`;
  if (flags.length === 1) return spec(flags[0] as string);
  return `'(${flags.join(' ')})'{${flags.join(',')}}'[${zshText(o.description)}]${value}'`;
}

function zshOperand(
  name: string,
  { index, operand, values }: ReturnType<typeof completedOperands>[number],
): string {
  const optional = operand.required ? '' : ':';
  return `'${index + 1}:${optional}${operand.name()}:${zshAction(name, operand.name(), values)}'`;
}

function zsh(program: Command): string {
  const { root, commands } = specs(program);
  const name = program.name();
  const specsOf = (c: Spec) => [
    ...c.options.map((o) => zshOption(name, o)),
    ...completedOperands(c).map((o) => zshOperand(name, o)),
  ];
  return `#compdef ${name}
# zsh completion for ${name}: ${name} completion zsh > "\${fpath[1]}/_${name}"
# Every pid in /proc, as bash and fish offer (zsh's own _pids lists only this terminal's processes).
_${name}_pids() { compadd "$@" - /proc/<->(N:t) }
_${name}() {
  local -a commands
  commands=(
${commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands '${name} command' commands
    _arguments ${root.map((o) => zshOption(name, o)).join(' ')}
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${commands.map((c) => `    ${c.name}) _arguments ${specsOf(c).join(' ')} ;;`).join('\n')}
  esac
}
_${name} "$@"
`;
}

function fishText(text: string): string {
  return (text.split(/[.;] /)[0] ?? '').trim().replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

/** `complete` arguments that offer these values (-x: exclusively, no file names). */
function fishValues(v: CompletionValues): string {
  const words = v.words === 'pids' ? '(__fish_complete_pids)' : wordList(v.words);
  return `-x -a '${v.list ? `(__fish_append , ${words})` : words}'`;
}

function fishOption(name: string, condition: string, o: Option): string {
  const parts = [`complete -c ${name} -n '${condition}'`];
  if (o.short) parts.push(`-s ${o.short.slice(1)}`);
  if (o.long) parts.push(`-l ${o.long.slice(2)}`);
  const values = completionValues(o);
  if (o.required || o.optional) parts.push(values === undefined ? '-r' : fishValues(values));
  parts.push(`-d '${fishText(o.description)}'`);
  return parts.join(' ');
}

function fishOperands(name: string, c: Spec): string[] {
  const valued = c.options.filter(takesValue).flatMap(flagsOf);
  return completedOperands(c).map(
    ({ index, operand, values }) =>
      `complete -c ${name} -n '__fish_seen_subcommand_from ${c.name}; and test (__${name}_operands ${valued.join(' ')}) -eq ${index}' ${fishValues(values)} -d '${operand.name()}'`,
  );
}

function fish(program: Command): string {
  const { root, commands } = specs(program);
  const name = program.name();
  return [
    `# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -f`,
    '# How many operands of the subcommand precede the cursor: words after it that are neither options nor',
    "# the value of one ($argv: the subcommand's options that take a value).",
    `function __${name}_operands`,
    '  set -l n 0; set -l seen 0; set -l skip 0',
    '  for w in (commandline -opc)[2..-1]',
    '    if test $skip = 1; set skip 0',
    '    else if test $seen = 0; string match -q -- "-*" $w; or set seen 1',
    '    else if contains -- $w $argv; set skip 1',
    '    else if not string match -q -- "-*" $w; set n (math $n + 1)',
    '    end',
    '  end',
    '  echo $n',
    'end',
    ...commands.map(
      (c) => `complete -c ${name} -n '__fish_use_subcommand' -a ${c.name} -d '${fishText(c.summary)}'`,
    ),
    ...root.map((o) => fishOption(name, '__fish_use_subcommand', o)),
    ...commands.flatMap((c) => [
      ...c.options.map((o) => fishOption(name, `__fish_seen_subcommand_from ${c.name}`, o)),
      ...fishOperands(name, c),
    ]),
    '',
  ].join('\n');
}

export function completionScript(program: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](program);
}
