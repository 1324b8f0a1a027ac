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
  /** The arguments joined by spaces, as the program set them: a title written over argv (PostgreSQL,
   * nginx, setproctitle) keeps its words, and the NUL padding and blanks after them are trimmed. */
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
    cmdline = commandLine(readFileSync(`/proc/${pid}/cmdline`));
  } catch {
    // gone
  }
  return { uid, user: uid === null ? null : userName(uid), cmdline };
}

/**
 * /proc/PID/cmdline as one line: NUL-separated arguments joined by spaces. A program that overwrites its
 * argv with a title pads the rest of the area with NULs (PostgreSQL's ps_status.c on Linux) or blanks, and
 * the kernel returns the whole area (get_mm_cmdline): the trailing run of NULs and blanks is trimmed, as
 * ps(1) shows it. (An empty last argument is trimmed with it, as ps does.)
 */
export function commandLine(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0 || bytes[end - 1] === 0x20)) end--;
  return decodeLossless(bytes.subarray(0, end)).replaceAll('\0', ' ');
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
