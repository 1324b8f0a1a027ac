/**
 * What a process calls itself, for summaries where a column per process would not fit (the description
 * view's HELDBY). A server that writes a title over its arguments does so in the "name: status" form —
 * PostgreSQL "postgres: checkpointer", nginx "nginx: worker process", sshd "sshd: alice@pts/0",
 * setproctitle(3) — and that title tells a master from its workers, which their comm (the same for all)
 * does not. Any other command line ("/usr/bin/python3 -m http.server 8000") says less per column than comm.
 */

/** `cmdline` when it is a "name: status" title, else `command` (comm); `cmdline` as process-details.ts
 * reads it (the title's NUL padding trimmed), or null/undefined when not read. */
export function processTitle(command: string, cmdline: string | null | undefined): string {
  return cmdline && /^[^\s:]+: \S/.test(cmdline) ? cmdline : command;
}
