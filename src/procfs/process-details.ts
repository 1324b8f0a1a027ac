/**
 * Who a process is, beyond its comm: its effective user (/proc/PID/status `Uid:`, second field, as ps's
 * USER) and its command line (/proc/PID/cmdline: the arguments, NUL-separated, as bytes — lossless-text.ts).
 * Read only when a table asks for them. cmdline is empty for a zombie or a kernel thread, and a process
 * may rewrite it (setproctitle); a process gone by the time it is read gets nulls.
 */
import { readFileSync } from 'node:fs';
import { decodeLossless } from '../sys/lossless-text.js';
import { readStatus } from './status.js';

export interface ProcessDetails {
  uid: number | null;
  /** The user name of `uid` from /etc/passwd, or the number when it has none. */
  user: string | null;
  /** The arguments joined by spaces. */
  cmdline: string | null;
}

export function readProcessDetails(pid: number): ProcessDetails {
  let uid: number | null = null;
  let cmdline: string | null = null;
  try {
    uid = readStatus(pid).uid[1];
  } catch {
    // gone
  }
  try {
    const bytes = readFileSync(`/proc/${pid}/cmdline`);
    const end = bytes.at(-1) === 0 ? bytes.length - 1 : bytes.length;
    cmdline = decodeLossless(bytes.subarray(0, end)).replaceAll('\0', ' ');
  } catch {
    // gone
  }
  return { uid, user: uid === null ? null : userName(uid), cmdline };
}

/** The details of each pid, by pid. */
export function readProcessDetailsOf(pids: Iterable<number>): Map<number, ProcessDetails> {
  const details = new Map<number, ProcessDetails>();
  for (const pid of pids) if (!details.has(pid)) details.set(pid, readProcessDetails(pid));
  return details;
}

let users: Map<number, string> | undefined;

/** The name /etc/passwd gives `uid`, or the number as text (lsfd does the same). */
export function userName(uid: number): string {
  if (!users) {
    users = new Map();
    try {
      for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
        const [name, , id] = line.split(':');
        if (name && id !== undefined && !users.has(Number(id))) users.set(Number(id), name);
      }
    } catch {
      // no passwd file: numbers
    }
  }
  return users.get(uid) ?? String(uid);
}
