/** Every subcommand, in the order `--help` lists them. Each lives in its own file. */
import type { Command } from 'commander';
import { registerEpoll } from './epoll.js';
import { registerRaw } from './raw.js';
import { registerTasks } from './tasks.js';

export const COMMANDS: readonly ((program: Command) => void)[] = [registerRaw, registerTasks, registerEpoll];
