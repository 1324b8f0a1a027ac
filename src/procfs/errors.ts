/** Turns what node:fs throws for a /proc path into an errno name, without trusting its message text. */
import { type ErrnoName, errnoNumber } from '../sys/errno.js';

export function fsErrno(error: unknown): ErrnoName {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code as ErrnoName;
  throw error;
}

/** errno(3) ENOENT, which node:fs reports without throwing (`throwIfNoEntry: false`). */
export const ENOENT = 2;

/** fsErrno as a number, for the calls that answer 0 or an errno (fd-dir.ts). */
export function fsErrnoNumber(error: unknown): number {
  const name = fsErrno(error);
  return errnoNumber(name) ?? -((error as NodeJS.ErrnoException).errno ?? 0);
}
