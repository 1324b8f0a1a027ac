/** `-p PIDS` / `--tree PID` into a procfs Selection: the one way the scanning subcommands select processes. */
import { InvalidArgumentError } from '../errors.js';
import type { Selection } from '../procfs/select.js';
import { parsePid, parsePidList } from './parse.js';

export interface SelectionFlags {
  pid?: string;
  tree?: string;
}

export function selectionOf(flags: SelectionFlags): Selection {
  if (flags.pid !== undefined && flags.tree !== undefined) {
    throw new InvalidArgumentError('-p and --tree are exclusive: choose one way to select processes');
  }
  if (flags.pid !== undefined) return { kind: 'pids', pids: parsePidList(flags.pid) };
  if (flags.tree !== undefined) return { kind: 'tree', root: parsePid(flags.tree, '--tree PID') };
  return { kind: 'all' };
}
