/** Turns what node:fs throws for a /proc path into an errno name, without trusting its message text. */
import type { ErrnoName } from '../sys/errno.js';

export function fsErrno(error: unknown): ErrnoName {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code as ErrnoName;
  throw error;
}
