/**
 * `kcmp completion bash|zsh|fish` prints a completion script; the hidden `kcmp manual --dir DIR` writes
 * the manual pages (the build runs it into dist/man). Both read the definitions of every subcommand
 * (commands.ts loads all of them for these two), so neither can drift from `--help`.
 */
import { mkdirSync } from 'node:fs';
import { Argument, type Command, Option } from 'commander';
import { InvalidArgumentError } from '../errors.js';
import { TargetDirectory } from '../util/replace-file.js';
import { completionScript, SHELLS, type Shell } from './completion-script.js';
import { completes } from './completion-values.js';
import { EXIT } from './exit-codes.js';
import { manPages } from './man-page.js';
import { action, out } from './run.js';

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh or fish)')
    .description('Print a completion script for SHELL, written from the same definitions as --help.')
    .addArgument(completes(new Argument('<shell>', `one of ${SHELLS.join(', ')}`), { words: SHELLS }))
    .addHelpText(
      'after',
      '\nExamples:\n  source <(kcmp completion bash)                                  bash, this shell\n' +
        '  kcmp completion zsh > ~/.zfunc/_kcmp   (with ~/.zfunc in fpath)   zsh\n' +
        '  kcmp completion fish > ~/.config/fish/completions/kcmp.fish     fish',
    )
    .action(
      action((shell: string) => {
        if (!(SHELLS as readonly string[]).includes(shell)) {
          throw new InvalidArgumentError(
            `unknown shell ${JSON.stringify(shell)}: choose ${SHELLS.join(', ')}`,
          );
        }
        out(completionScript(program, shell as Shell));
        return EXIT.OK;
      }),
    );
  program
    .command('manual', { hidden: true })
    .description('Write the manual pages kcmp.1 and kcmp-COMMAND.1 into a directory.')
    .addOption(new Option('--dir <dir>', 'where to write them').makeOptionMandatory())
    .action(
      action((flags: { dir: string }) => {
        mkdirSync(flags.dir, { recursive: true });
        const directory = TargetDirectory.open(flags.dir);
        try {
          // Whole pages only, each replaced as --textfile is: a partial one is never left behind.
          for (const page of manPages(program, program.version() ?? ''))
            directory.replace(page.file, page.text);
        } finally {
          directory.close();
        }
        return EXIT.OK;
      }),
    );
}
