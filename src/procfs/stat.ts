/**
 * /proc/PID/stat and /proc/PID/task/TID/stat (proc(5)): the few fields this project needs.
 *
 * `comm` is inside parentheses and may itself contain spaces and ')' — so the fields after it are found
 * from the LAST ')'. `startTime` (field 22, clock ticks since boot) makes (pid, startTime) a process
 * identity that survives pid reuse (psutil's `_get_ident`). `comm` is bytes (prctl(PR_SET_NAME) takes any
 * but NUL), kept as sys/lossless-text.ts decodes them.
 */
import { readFileSync } from 'node:fs';
import { decodeLossless } from '../sys/lossless-text.js';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T (stopped), t, X, I (idle kernel thread), … */
  state: string;
  ppid: number;
  /** Process group (field 5). */
  pgrp: number;
  /** Controlling terminal as a device number (field 7); 0: none. */
  ttyNr: number;
  /** The foreground process group of that terminal (field 8); -1 without a terminal. */
  tpgid: number;
  /** Clock ticks after boot at which the task started (field 22). */
  startTime: number;
  /** PF_* flags (field 9); PF_KTHREAD = 0x00200000 marks kernel threads. */
  flags: number;
  /** Where the initial stack, argv and environment start (fields 28, 48, 50). execve(2) builds them anew
   * (at a random address under ASLR); fork(2) copies the address space, so a child that did not exec
   * has its parent's. The kernel shows 0 without ptrace read access, and for kernel threads. */
  startStack: number;
  argStart: number;
  envStart: number;
}

const PF_KTHREAD = 0x00200000;

export function parseStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`malformed stat line: ${text.slice(0, 80)}`);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); field N is rest[N - 3].
  return {
    pid: Number(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    ttyNr: Number(rest[4]),
    tpgid: Number(rest[5]),
    flags: Number(rest[6]),
    startTime: Number(rest[19]),
    startStack: Number(rest[25] ?? 0),
    argStart: Number(rest[45] ?? 0),
    envStart: Number(rest[47] ?? 0),
  };
}

/** Reads /proc/PID/stat (or /proc/PID/task/TID/stat when tid is given). Throws the fs error. */
export function readStat(pid: number, tid?: number): ProcStat {
  const path = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  return parseStat(decodeLossless(readFileSync(path)));
}

export function isKernelThread(stat: ProcStat): boolean {
  return (stat.flags & PF_KTHREAD) !== 0;
}

export function isZombie(stat: ProcStat): boolean {
  return stat.state === 'Z' || stat.state === 'X';
}
