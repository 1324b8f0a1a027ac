/**
 * The options object of the library's scans (inspectTasks, inspectLeaks, inspectContainerLeaks,
 * fleetScan), checked where the call enters: a caller in plain JavaScript passes whatever it has, and a
 * malformed selection is one InvalidArgumentError naming what is wrong — before anything is read — not a
 * TypeError from deep inside a scan.
 */
import { assertOptions, assertPid, describe } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import type { Selection } from '../procfs/select.js';

const SELECTIONS =
  "{ kind: 'all' }, { kind: 'pids', pids: [1234] }, { kind: 'tree', root: 1234 } or { kind: 'union', pids: [1234], roots: [1] }";

/** An options object with a valid `selection`. */
export function assertScanOptions(
  options: unknown,
  call: string,
): asserts options is Readonly<Record<string, unknown>> & { selection: Selection } {
  assertOptions(options, call);
  const selection: unknown = options.selection;
  if (typeof selection !== 'object' || selection === null) {
    throw new InvalidArgumentError(`invalid selection ${describe(selection)} for ${call}(): ${SELECTIONS}`);
  }
  const s = selection as Readonly<Record<string, unknown>>;
  switch (s.kind) {
    case 'all':
      return;
    case 'tree':
      assertPid(s.root, 'selection.root');
      return;
    case 'pids':
      assertPids(s.pids, 'selection.pids');
      return;
    case 'union':
      assertPids(s.pids, 'selection.pids');
      assertPids(s.roots, 'selection.roots');
      return;
    default:
      throw new InvalidArgumentError(
        `unknown selection kind ${describe(s.kind)} for ${call}(): ${SELECTIONS}`,
      );
  }
}

/** An array of pids. */
export function assertPids(value: unknown, what: string): asserts value is readonly number[] {
  if (!Array.isArray(value))
    throw new InvalidArgumentError(`invalid ${what} ${describe(value)}: an array of pids`);
  value.forEach((pid, i) => {
    assertPid(pid, `${what}[${i}]`);
  });
}
