/**
 * Every subcommand, in the order `--help` lists them. Each lives in its own file and is imported only when
 * it runs (or when help lists them all): loading every scan and renderer would double a short command's
 * start-up time.
 */
import type { Command } from 'commander';

type Register = (program: Command) => void;

export const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  raw: async () => (await import('./raw.js')).registerRaw,
  same: async () => (await import('./same.js')).registerSame,
  fds: async () => (await import('./fds.js')).registerFds,
  tasks: async () => (await import('./tasks.js')).registerTasks,
  epoll: async () => (await import('./epoll.js')).registerEpoll,
  leaks: async () => (await import('./leaks.js')).registerLeaks,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  exporter: async () => (await import('./exporter.js')).registerExporter,
  metrics: async () => (await import('./metrics.js')).registerMetrics,
  completion: async () => (await import('./completion.js')).registerCompletion,
};

/** Subcommands that describe all the others (completion scripts, manual pages): they need every definition. */
const DESCRIBING = new Set(['completion', 'manual']);

/** The command lines that print the version and nothing else: they need no subcommand. */
const VERSION_ONLY = new Set(['-V', '--version']);

/** The registrations needed for this command line: the named subcommand's, none for `--version` alone,
 * or all of them for help and the describing subcommands. */
export async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  if (argv.length === 1 && VERSION_ONLY.has(argv[0] as string)) return [];
  const name = argv.find((arg) => !arg.startsWith('-'));
  const one = name !== undefined && Object.hasOwn(COMMANDS, name) && !DESCRIBING.has(name);
  const names = one ? [name] : Object.keys(COMMANDS);
  return Promise.all(names.map((n) => (COMMANDS[n] as () => Promise<Register>)()));
}
