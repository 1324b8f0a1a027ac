/** Every subcommand, in the order `--help` lists them. Each lives in its own file. */
import type { Command } from 'commander';
import { registerDoctor } from './doctor.js';
import { registerEpoll } from './epoll.js';
import { registerFds } from './fds.js';
import { registerLeaks } from './leaks.js';
import { registerRaw } from './raw.js';
import { registerSame } from './same.js';
import { registerTasks } from './tasks.js';

export const COMMANDS: readonly ((program: Command) => void)[] = [
  registerRaw,
  registerSame,
  registerFds,
  registerTasks,
  registerEpoll,
  registerLeaks,
  registerDoctor,
];
