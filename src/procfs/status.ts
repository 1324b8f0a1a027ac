/**
 * /proc/PID/status (proc(5)): credentials, capabilities, seccomp mode and namespace pids. Every line is
 * kept in `fields`; the typed accessors cover what permission checks and `kcmp doctor` need.
 */
import { readFileSync } from 'node:fs';

/** `Seccomp:` 0 disabled, 1 strict, 2 filter (since 3.8; absent without CONFIG_SECCOMP). */
export type SeccompMode = 'disabled' | 'strict' | 'filter' | 'unknown';

export interface ProcStatus {
  /** Every "Key:\tvalue" line, value trimmed. */
  fields: ReadonlyMap<string, string>;
  name: string;
  /** One letter, as in /proc/PID/stat: R, S, D, Z, T, … */
  state: string;
  tgid: number;
  /** Real, effective, saved, filesystem. */
  uid: readonly [number, number, number, number];
  gid: readonly [number, number, number, number];
  capEff: bigint;
  capPrm: bigint;
  seccomp: SeccompMode;
  /** Active seccomp filters (since 5.9), or undefined. */
  seccompFilters: number | undefined;
  noNewPrivs: boolean;
  /** This task's pid in each PID namespace from ours inward: more than one entry = nested namespace. */
  nspid: readonly number[];
  /** The pid of the process tracing this one (ptrace: a debugger, strace), 0 when none. Shown to every
   * reader; 0 also when the tracer is outside our PID namespace. */
  tracerPid: number;
}

const SECCOMP_MODES: Readonly<Record<string, SeccompMode>> = { 0: 'disabled', 1: 'strict', 2: 'filter' };

export function parseStatus(text: string): ProcStatus {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const numbers = (key: string): number[] =>
    (fields.get(key) ?? '')
      .split(/\s+/)
      .filter((w) => w !== '')
      .map(Number);
  const ids = (key: string): [number, number, number, number] => {
    const [r = -1, e = -1, s = -1, f = -1] = numbers(key);
    return [r, e, s, f];
  };
  const hex = (key: string): bigint => BigInt(`0x${fields.get(key) ?? '0'}`);
  const filters = fields.get('Seccomp_filters');
  return {
    fields,
    name: fields.get('Name') ?? '',
    state: (fields.get('State') ?? '?').charAt(0),
    tgid: Number(fields.get('Tgid')),
    uid: ids('Uid'),
    gid: ids('Gid'),
    capEff: hex('CapEff'),
    capPrm: hex('CapPrm'),
    seccomp: SECCOMP_MODES[fields.get('Seccomp') ?? ''] ?? 'unknown',
    seccompFilters: filters === undefined ? undefined : Number(filters),
    noNewPrivs: fields.get('NoNewPrivs') === '1',
    nspid: numbers('NSpid'),
    tracerPid: Number(fields.get('TracerPid') ?? 0),
  };
}

/** Reads /proc/PID/status ('self' for the caller). Throws the fs error. */
export function readStatus(pid: number | 'self'): ProcStatus {
  return parseStatus(readFileSync(`/proc/${pid}/status`, 'latin1'));
}
