/**
 * Shell completion scripts for bash, zsh and fish, written from the commander definitions (subcommands,
 * their options, an option's fixed choices), so they complete exactly what the parser accepts. Options
 * that take pids (`-p`, `--tree`) complete the pids in /proc.
 */
import { type Command, Help, type Option } from 'commander';
import { visibleCommands } from './man-page.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  name: string;
  summary: string;
  options: Option[];
}

function specs(program: Command): { root: Option[]; commands: Spec[] } {
  const help = new Help();
  const commands = visibleCommands(program).map((c) => ({
    name: c.name(),
    summary: c.summary() || c.description(),
    options: help.visibleOptions(c),
  }));
  return { root: help.visibleOptions(program), commands };
}

function flagsOf(o: Option): string[] {
  return [o.short, o.long].filter((f): f is string => f !== undefined);
}

/** Does this option take pids? */
function takesPids(o: Option): boolean {
  return /<pids?>/.test(o.flags);
}

function bash(program: Command): string {
  const { root, commands } = specs(program);
  const words = (options: Option[]) => options.flatMap(flagsOf).join(' ');
  const valued = commands.flatMap((c) => c.options.filter((o) => o.required || o.optional));
  const choices = valued.filter((o) => o.argChoices);
  const pids = [...new Set(valued.filter(takesPids).flatMap(flagsOf))];
  const name = program.name();
  return `# bash completion for ${name}: source <(${name} completion bash)
_${name}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]} cmd= i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in -*) ;; *) cmd=\${COMP_WORDS[i]}; break ;; esac
  done
  case $prev in
    ${pids.join('|')}) COMPREPLY=($(compgen -W "$(cd /proc && echo [0-9]*)" -- "$cur")); return ;;
${[...new Set(choices.map((o) => `    ${flagsOf(o).join('|')}) COMPREPLY=($(compgen -W "${(o.argChoices ?? []).join(' ')}" -- "$cur")); return ;;`))].join('\n')}
  esac
  case $cmd in
    '') COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} ${words(root)}" -- "$cur")) ;;
${commands.map((c) => `    ${c.name}) COMPREPLY=($(compgen -W "${words(c.options)}" -- "$cur")) ;;`).join('\n')}
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

function zshOption(o: Option): string {
  const flags = flagsOf(o);
  const value =
    o.required || o.optional
      ? `:${o.attributeName()}:${takesPids(o) ? '_pids' : o.argChoices ? `(${o.argChoices.join(' ')})` : ''}`
      : '';
  const spec = (f: string) => `'${f}[${zshText(o.description)}]${value}'`;
  if (flags.length === 1) return spec(flags[0] as string);
  return `'(${flags.join(' ')})'{${flags.join(',')}}'[${zshText(o.description)}]${value}'`;
}

function zsh(program: Command): string {
  const { root, commands } = specs(program);
  const name = program.name();
  return `#compdef ${name}
# zsh completion for ${name}: ${name} completion zsh > "\${fpath[1]}/_${name}"
_${name}() {
  local -a commands
  commands=(
${commands.map((c) => `    '${c.name}:${zshText(c.summary)}'`).join('\n')}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands '${name} command' commands
    _arguments ${root.map(zshOption).join(' ')}
    return
  fi
  local command=$words[2]
  shift words
  (( CURRENT-- ))
  case $command in
${commands.map((c) => `    ${c.name}) _arguments ${c.options.map(zshOption).join(' ')} ;;`).join('\n')}
  esac
}
_${name} "$@"
`;
}

function fishText(text: string): string {
  return (text.split(/[.;] /)[0] ?? '').trim().replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

function fishOption(name: string, condition: string, o: Option): string {
  const parts = [`complete -c ${name} -n '${condition}'`];
  if (o.short) parts.push(`-s ${o.short.slice(1)}`);
  if (o.long) parts.push(`-l ${o.long.slice(2)}`);
  if (o.required || o.optional) {
    parts.push('-r');
    if (o.argChoices) parts.push(`-a '${o.argChoices.join(' ')}'`);
    else if (takesPids(o)) parts.push("-a '(__fish_complete_pids)'");
  }
  parts.push(`-d '${fishText(o.description)}'`);
  return parts.join(' ');
}

function fish(program: Command): string {
  const { root, commands } = specs(program);
  const name = program.name();
  return [
    `# fish completion for ${name}: ${name} completion fish > ~/.config/fish/completions/${name}.fish`,
    `complete -c ${name} -f`,
    ...commands.map(
      (c) => `complete -c ${name} -n '__fish_use_subcommand' -a ${c.name} -d '${fishText(c.summary)}'`,
    ),
    ...root.map((o) => fishOption(name, '__fish_use_subcommand', o)),
    ...commands.flatMap((c) =>
      c.options.map((o) => fishOption(name, `__fish_seen_subcommand_from ${c.name}`, o)),
    ),
    '',
  ].join('\n');
}

export function completionScript(program: Command, shell: Shell): string {
  return { bash, zsh, fish }[shell](program);
}
