/**
 * Names in pictures, made to fit a box. What a process is called: its title — /proc/PID/cmdline as the program set it — where that
 * says more than its command (comm, 15 bytes). PostgreSQL and nginx write a title over their argv
 * ("postgres: checkpointer", "nginx: worker process"), which is what tells a master from its workers and
 * helpers; a plain program's cmdline is its argv ("/usr/lib/postgresql/15/bin/postgres -D /srv/pg"), shown
 * with the program's directory dropped ("postgres -D /srv/pg"). A cmdline that names another program
 * than comm is not a title: the process renamed itself (PR_SET_NAME, a thread pool naming its threads)
 * after an exec whose argv says less than the name it chose, so comm is kept.
 */

/** Titles longer than this keep their start: the program and its first words. */
const TITLE_MAX = 48;

/**
 * The title of a process: `cmdline` (NUL padding already trimmed, process-details.ts) when it names the
 * program `command` names and says more than that, else `command`.
 *
 * @example
 * processTitle('postgres', 'postgres: checkpointer')        // 'postgres: checkpointer'
 * processTitle('postgres', '/usr/lib/postgresql/15/bin/postgres -D /srv/pg') // 'postgres -D /srv/pg'
 * processTitle('server', '/opt/bin/mkfds prefork')          // 'server' (renamed with PR_SET_NAME)
 */
export function processTitle(command: string, cmdline: string | null | undefined): string {
  const text = cmdline?.trim() ?? '';
  const space = text.indexOf(' ');
  const first = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? '' : text.slice(space);
  const program = first.slice(first.lastIndexOf('/') + 1);
  const name = program.replace(/:$/, '');
  // comm is the program's name cut to 15 bytes (TASK_COMM_LEN - 1), or a name the process chose.
  const same = name !== '' && (name.startsWith(command) || command.startsWith(name));
  const title = `${program}${rest}`;
  if (!same || title === command) return command;
  return clipEnd(title, TITLE_MAX);
}

/** `text` cut to `max` characters, keeping its start: "postgres -D /srv/pg -c …". */
function clipEnd(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/**
 * A file or socket name cut to `max` characters where it says least: the directories in the middle. A
 * type word before the path is kept ("UNIX-STREAM …/control.sock (LISTEN)"), and the path's end from a "/"
 * ("…/log/access.log"); a name without such a place loses its middle ("TCP [2001:db8::…]:443").
 */
export function shortName(name: string, max: number): string {
  if ([...name].length <= max) return name;
  const space = name.indexOf(' ');
  const head = space > 0 && space < 16 && name[space + 1] === '/' ? name.slice(0, space + 1) : '';
  const room = max - [...head].length - 1;
  for (let i = head.length + 1; i < name.length; i++) {
    if (name[i] === '/' && [...name.slice(i)].length <= room) return `${head}…${name.slice(i)}`;
  }
  return middleEllipsis(name, max);
}

/** `text` cut to `max` characters by replacing its middle with "…": both ends often matter (a program
 * and its last argument, a protocol and a port, a directory and a file name). */
function middleEllipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 3);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}
