/**
 * The verdicts of some rows read back as lists a test can compare: the classes (rows of each description,
 * in row order, descriptions by their first row) and the fate of every row set apart, with its call and
 * errno by name.
 */
import { CALLS, FATE, type Verdicts } from '../../src/inspect/fds/verdicts.js';
import { errnoName } from '../../src/sys/errno.js';

const FATE_NAME = new Map(Object.entries(FATE).map(([name, code]) => [code as number, name]));

export type FateSeen =
  | { kind: 'failed' | 'uncompared'; syscall: string; errno: string }
  | { kind: 'unsettled' | 'uncalled' | 'reused' };

export function decided(v: Verdicts, rows: ArrayLike<number>) {
  const sorted = Array.from(rows).sort((a, b) => a - b);
  const byKey = new Map<number, number[]>();
  const fates: [number, FateSeen][] = [];
  for (const row of sorted) {
    const fate = v.fate[row] as number;
    if (fate === FATE.member) {
      const key = v.description[row] as number;
      byKey.set(key, [...(byKey.get(key) ?? []), row]);
    } else if (fate === FATE.failed || fate === FATE.uncompared)
      fates.push([
        row,
        {
          kind: FATE_NAME.get(fate) as 'failed',
          syscall: CALLS[v.call[row] as number] as string,
          errno: errnoName(v.errno[row] as number),
        },
      ]);
    else fates.push([row, { kind: FATE_NAME.get(fate) as 'unsettled' }]);
  }
  return { classes: [...byKey.values()], fates };
}

/** Per row, the description it holds as a member, or -1 (set apart or left out). */
export function memberOf(v: Verdicts, row: number): number {
  return v.fate[row] === FATE.member ? (v.description[row] as number) : -1;
}
