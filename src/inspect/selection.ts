/**
 * The check of a scan's selection before anything is read: a call from plain JavaScript may pass anything,
 * and gets an InvalidArgumentError naming what is wrong, never a TypeError from inside.
 */
import { assertPid, describe } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import type { Selection } from '../procfs/select.js';

const KINDS =
  "{ kind: 'all' }, { kind: 'pids', pids: [PID, …] }, { kind: 'tree', root: PID } or { kind: 'union', pids, roots }";

/** Throws InvalidArgumentError unless `selection` is a well-formed {@link Selection}. */
export function assertSelection(selection: unknown): asserts selection is Selection {
  if (typeof selection !== 'object' || selection === null) {
    throw new InvalidArgumentError(`a selection is required, got ${describe(selection)}: ${KINDS}`);
  }
  const s = selection as Partial<Record<'kind' | 'pids' | 'root' | 'roots', unknown>>;
  switch (s.kind) {
    case 'all':
      return;
    case 'pids':
      return assertPids(s.pids, 'pids');
    case 'tree':
      return assertPid(s.root, 'selection root');
    case 'union':
      assertPids(s.pids, 'pids');
      return assertPids(s.roots, 'roots');
    default:
      throw new InvalidArgumentError(`unknown selection kind ${describe(s.kind)}: ${KINDS}`);
  }
}

function assertPids(list: unknown, what: string): void {
  if (!Array.isArray(list))
    throw new InvalidArgumentError(`selection ${what} must be an array of pids, got ${describe(list)}`);
  for (const pid of list) assertPid(pid, `pid in selection ${what}`);
}
