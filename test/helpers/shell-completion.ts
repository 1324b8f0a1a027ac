/**
 * Drives a shell's own completion with the script `kcmp completion SHELL` printed, as a user's TAB would,
 * and returns the words it offers:
 * - bash: sets COMP_WORDS and COMP_CWORD and calls the completion function; COMPREPLY is the answer;
 * - zsh: runs an interactive `zsh -f` in a pseudo-terminal (zsh/zpty), loads the script through compinit,
 *   types the line and a TAB; a wrapper of compadd prints each match, and a function run after completion
 *   (comppostfuncs) marks the end;
 * - fish: `complete -C LINE` (fish's own "what would TAB offer here").
 * A line ending in a space completes a new word. Each shell runs with no startup files of the user.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export type CompletionShell = 'bash' | 'zsh' | 'fish';

/** Why this shell cannot be driven here, or false. */
export function missingShell(shell: CompletionShell): string | false {
  const r = spawnSync(shell, ['-c', 'exit 0']);
  return r.status === 0 ? false : `${shell} is not installed (Debian package ${shell})`;
}

const ZSH_SETUP = `PROMPT=
fpath=("\${0:a:h}" $fpath)
bindkey '^I' complete-word
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd() {
  # Calls that only collect matches into an array (-O, -A, -D) offer nothing.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
    builtin compadd "$@"
    return $?
  fi
  local -a hits
  builtin compadd -A hits "$@"
  local -A apre hpre
  zparseopts -E P:=apre p:=hpre
  local h
  for h in $hits; do print -r -- "MATCH:$IPREFIX\${apre[-P]}\${hpre[-p]}$h"; done
  builtin compadd "$@"
}
autoload -U compinit && compinit -u -D
comppostfuncs=(__completion_end)
__completion_end() { print -r -- 'END-OF-MATCHES'; exit }
print -r -- 'READY'
`;

const ZSH_DRIVER = `zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "source \${0:a:h}/setup.zsh"
local out
zpty -r z out '*READY*'
zpty -w -n z "$1"$'\\t'
zpty -r z out '*END-OF-MATCHES*'
print -r -- "$out"
zpty -d z
`;

function run(file: string, args: string[]): string {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, `${file} ${args.join(' ')}: ${r.error?.message ?? ''}${r.stderr}`);
  return r.stdout;
}

/** A function that returns what `shell` offers for a command line, with `script` loaded. */
export function completer(
  t: TestContext,
  shell: CompletionShell,
  script: string,
): (line: string) => string[] {
  const dir = mkdtempSync(join(tmpdir(), `kcmp-${shell}-completion-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const words = (text: string) => text.split('\n').filter((w) => w !== '');
  if (shell === 'bash') {
    const file = join(dir, 'kcmp.bash');
    writeFileSync(file, script);
    return (line) => {
      const typed = line.split(' ');
      const call = `COMP_WORDS=(${typed.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${typed.length - 1}; _kcmp`;
      return words(run('bash', ['-c', `source '${file}'; ${call}; printf '%s\\n' "\${COMPREPLY[@]}"`]));
    };
  }
  if (shell === 'zsh') {
    writeFileSync(join(dir, '_kcmp'), script);
    writeFileSync(join(dir, 'setup.zsh'), ZSH_SETUP);
    writeFileSync(join(dir, 'drive.zsh'), ZSH_DRIVER);
    return (line) => {
      const out = run('zsh', ['-f', join(dir, 'drive.zsh'), line]);
      return [...out.matchAll(/MATCH:([^\r\n]*)/g)].map((m) => m[1] as string);
    };
  }
  const file = join(dir, 'kcmp.fish');
  writeFileSync(file, script);
  return (line) =>
    words(run('fish', ['--no-config', '-c', 'source $argv[1]; complete -C $argv[2]', file, line])).map(
      (w) => w.split('\t')[0] as string,
    );
}
