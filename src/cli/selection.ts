/**
 * `-p PIDS` / `--tree PID` into a procfs Selection: the one way the scanning subcommands select processes.
 * Both may be repeated and combined, as lsfd's -p: `-p 1 -p 2,3 --tree 40` selects 1, 2, 3 and the tree
 * of 40 (their union); none of them selects every visible process.
 */
import { type Command, Option } from 'commander';
import type { Selection } from '../procfs/select.js';
import { completes, PID, PID_LIST } from './completion-values.js';
import { parsePid, parsePidList } from './parse.js';

export interface SelectionFlags {
  pid?: string[];
  tree?: string[];
}

/** Every value of a repeated option, in order (commander keeps only the last one otherwise). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds -p and --tree (each repeatable) to a scanning subcommand. */
export function withSelectionOptions(command: Command): Command {
  return command
    .addOption(
      completes(
        new Option('-p, --pid <pids>', 'only these processes (comma or space separated; repeatable)'),
        PID_LIST,
      ).argParser(collect),
    )
    .addOption(
      completes(
        new Option('--tree <pid>', 'this process and all its descendants (repeatable; adds to -p)'),
        PID,
      ).argParser(collect),
    );
}

export function selectionOf(flags: SelectionFlags): Selection {
  const pids = [...new Set((flags.pid ?? []).flatMap(parsePidList))];
  const roots = [...new Set((flags.tree ?? []).map((t) => parsePid(t, '--tree PID')))];
  if (pids.length === 0 && roots.length === 0) return { kind: 'all' };
  if (roots.length === 0) return { kind: 'pids', pids };
  if (pids.length === 0 && roots.length === 1) return { kind: 'tree', root: roots[0] as number };
  return { kind: 'union', pids, roots };
}
