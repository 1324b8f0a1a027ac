/**
 * The check of a scan's selection, and of the options object that holds it, before anything is read: a
 * call from plain JavaScript may pass anything, and gets an InvalidArgumentError naming what is wrong,
 * never a TypeError from inside.
 */
import { assertOptions, assertPid, describe } from '../compare/validate.js';
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
      return assertPidList(s.pids, 'selection pids');
    case 'tree':
      return assertPid(s.root, 'selection root');
    case 'union':
      assertPidList(s.pids, 'selection pids');
      return assertPidList(s.roots, 'selection roots');
    default:
      throw new InvalidArgumentError(`unknown selection kind ${describe(s.kind)}: ${KINDS}`);
  }
}

/** The options object of a scan (inspectTasks, inspectLeaks, …): an object with a valid `selection`. */
export function assertScanOptions(
  options: unknown,
  call: string,
): asserts options is Readonly<Record<string, unknown>> & { selection: Selection } {
  assertOptions(options, call);
  assertSelection(options.selection);
}

/** An array of pids (`what` names it in the message). */
export function assertPidList(list: unknown, what: string): asserts list is readonly number[] {
  if (!Array.isArray(list))
    throw new InvalidArgumentError(`${what} must be an array of pids, got ${describe(list)}`);
  for (const pid of list) assertPid(pid, `pid in ${what}`);
}
