/** The kcmp command, once main.ts has checked the open-file limit: dispatch only. Each subcommand is one file under src/cli/. */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../util/version.js';
import { commandsFor } from './commands.js';
import { EXIT } from './exit-codes.js';
import { setDebug } from './run.js';

const program = new Command('kcmp')
  .description('Are these two kernel objects the same thing? kcmp(2) for file descriptions, tasks and epoll.')
  .version(VERSION, '-V, --version')
  .option('--debug', 'show stack traces with errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`kcmp: ${text.replace(/^error: /, '')}`) })
  .hook('preAction', (cmd) => setDebug(Boolean(cmd.opts().debug)));

for (const register of await commandsFor(process.argv.slice(2))) register(program);
for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    const ok =
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.version' ||
      error.code === 'commander.help';
    process.exitCode = ok ? EXIT.OK : EXIT.TROUBLE;
  } else {
    throw error;
  }
}
