/**
 * The kcmp command, once main.ts has checked the open-file limit: dispatch only. Each subcommand is one file
 * under src/cli/. No top-level await: the bin is a CommonJS bundle (scripts/bundle.mjs), which has none.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../util/version.js';
import { commandsFor } from './commands.js';
import { EXIT } from './exit-codes.js';
import { setDebug } from './run.js';

const program = new Command('kcmp')
  .summary('are these two kernel objects the same thing? kcmp(2) for file descriptions, tasks and epoll')
  .description(
    'kcmp answers, with the kcmp(2) system call, whether two processes share one kernel object: an open ' +
      'file description, an address space, an fd table, fs information, signal handlers, an I/O context, a ' +
      'SysV undo list or an epoll target. It groups every fd of a set of processes (or the machine) into ' +
      'the open file descriptions they share, beside the other end of each pipe and socket; maps which ' +
      'tasks share what; finds fds leaked across exec; and says how each answer was decided. Where kcmp ' +
      'is missing or blocked it says why, and never reports a guess as a fact.',
  )
  .version(VERSION, '-V, --version')
  .option('--debug', 'show stack traces with errors')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(`kcmp: ${text.replace(/^error: /, '')}`) })
  .hook('preAction', (cmd) => setDebug(Boolean(cmd.opts().debug)));

/** Registers what this command line needs (commands.ts), parses it and runs it. */
export async function run(argv: readonly string[]): Promise<void> {
  for (const register of await commandsFor(argv.slice(2))) register(program);
  // Errors are one line ("kcmp: unknown option '--x'"), as every other error: no second usage line.
  for (const cmd of program.commands) cmd.exitOverride();
  try {
    await program.parseAsync(argv);
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
}
