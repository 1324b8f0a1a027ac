/**
 * The signals whose default action ends a process (signal(7): Term or Core) and that Node lets a program
 * listen to. A program that stopped other processes handles each: it continues them, then dies of the same
 * signal.
 *
 * Left out on purpose:
 * - SIGKILL and SIGSTOP cannot be caught at all.
 * - SIGSEGV, SIGBUS, SIGFPE and SIGILL: raised by a real fault, a JavaScript listener never runs (Node's
 *   handler only records the signal) and the faulting instruction runs again, forever — the process would
 *   hang instead of dying. Let them kill the process.
 * - The real-time signals (SIGRTMIN…SIGRTMAX): Node has no names for them and cannot listen.
 * What these leave behind, the --stop watchdog (freeze-watchdog.ts) picks up.
 */
export const CATCHABLE_TERMINATING_SIGNALS = [
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGTRAP',
  'SIGABRT',
  'SIGUSR1',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
] as const satisfies readonly NodeJS.Signals[];
