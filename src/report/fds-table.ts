/**
 * `kcmp fds` as a table: one row per holder, the holders of one description together, then one row per
 * error (TYPE=ERROR, NAME=syscall:ERRNO, as lsfd shows them), then a one-line summary. Every column is
 * declared once here; -o, --list-columns, what needs fdinfo or process details, the fields -J adds for
 * -o, and the description view's columns (fds-descriptions.ts: those not `perFd`) all derive from
 * FDS_COLUMNS.
 */
import type {
  Description,
  FdsReport,
  FdsStats,
  Holder,
  Peer,
  PeerUnseen,
  ScanError,
} from '../inspect/fds/fds-report.js';
import { fdCount } from '../inspect/fds/table-entries.js';
import { type SocketInfo, socketName } from '../netlink/socket-info.js';
import { accessMode, flagNames } from '../procfs/fdinfo.js';
import type { ProcessDetails } from '../procfs/process-details.js';
import { addColumnFields, type FieldColumn } from './column-fields.js';
import { plural } from './graph.js';
import { heldBy } from './held-by.js';
import { detailColumns } from './process-columns.js';
import { processTitle } from './process-title.js';
import { listColumn, renderTable, type TableOptions } from './table.js';

/** The process of a row: its parent from the scan, its user and command line when asked for. */
export interface RowProcess {
  ppid: number | null;
  details?: ProcessDetails;
}

/** The RowProcess of any pid of the report: a row's own, and every holder's for HELDBY. */
export type ProcessLookup = (pid: number) => RowProcess;

export type FdsRow = { process: RowProcess; processOf: ProcessLookup } & (
  | { description: Description; holder: Holder; error?: undefined }
  | { error: ScanError; command: string; description?: undefined; holder?: undefined }
);

/** `fdinfo`/`sockets`/`peers`/`details`: the column shows what only that source gives, so it is read
 * only when shown. */
type FdsColumn = FieldColumn<FdsRow> & {
  /** Needs /proc/TID/fdinfo. */
  fdinfo?: true;
  /** The column shows stat(2) of the description's file (Description.file). */
  fileStat?: true;
  sockets?: true;
  peers?: true;
  /** Needs /proc/PID/status and cmdline (read only when a shown column needs them). */
  details?: true;
  /** A value of one fd or its process, not of the description: not a column of the description view. */
  perFd?: true;
};

/** A cell from the description and holder of a row, or from its error (empty by default). */
const h = <V>(get: (d: Description, h: Holder) => V, orError: (e: ScanError) => V | null = () => null) => {
  return (row: FdsRow) => (row.error ? orError(row.error) : get(row.description, row.holder));
};

/** A field holders and error rows both have. */
const both = (key: 'pid' | 'fd') => (row: FdsRow) => (row.error ? row.error[key] : row.holder[key]);

const IDENTITY = detailColumns<FdsRow>((row) => row.process.details);

/** HELDBY of each description, summarised once per report's rows (their ProcessLookup): every row of a
 * description shows the same summary, and 8,000 holders summarised on each of their 8,000 rows took 90 s. */
const heldBySummaries = new WeakMap<ProcessLookup, WeakMap<Description, string[]>>();

/** "961 myserver: master fd 3; 40 × myserver: worker fd 3": the description's holders by process, or the
 * process (and fd) of an error row. */
function heldByItems(row: FdsRow): string[] {
  const title = (pid: number, command: string) => processTitle(command, row.processOf(pid).details?.cmdline);
  if (row.error) return heldBy([{ pid: row.error.pid, fd: row.error.fd, command: row.command }], title);
  const summaries = heldBySummaries.get(row.processOf) ?? new WeakMap<Description, string[]>();
  heldBySummaries.set(row.processOf, summaries);
  const items = summaries.get(row.description) ?? heldBy(row.description.holders, title);
  summaries.set(row.description, items);
  return items;
}

// ── Socket columns (lsfd's names) and peer columns, from the description's `socket` object ───────────────────────────
/** A cell of a socket description's `socket` object (empty for other rows and unnamed sockets). */
const sock = <V>(get: (s: SocketInfo) => V | undefined) =>
  h((d) => (d.socket ? (get(d.socket) ?? null) : null));

const SOCKET_COLUMNS = {
  'SOCK.PROTONAME': {
    help:
      'socket protocol: TCP, TCPv6, UDP, UDPv6, UDP-Lite, UDPLITEv6, RAW, RAWv6, PING, PINGv6, UNIX-STREAM, ' +
      'UNIX-DGRAM, UNIX-SEQPACKET, NETLINK, PACKET',
    json: 'string',
    sockets: true,
    get: sock((s) => s.protocol),
  },
  'SOCK.STATE': {
    help: 'socket state: LISTEN, ESTABLISHED, CLOSE, … (TCP state names; UNIX and UDP reuse them)',
    json: 'string',
    sockets: true,
    get: sock((s) => s.state),
  },
  'SOCK.LISTENING': {
    help: 'true for a listening socket',
    json: 'boolean',
    sockets: true,
    get: sock((s) => s.state === 'LISTEN'),
  },
  'SOCK.NETNS': {
    help: 'inode of the network namespace the socket belongs to (empty: not found; --borrow asks the socket)',
    json: 'number',
    align: 'right',
    sockets: true,
    get: sock((s) => s.netns),
  },
  'SOCK.NETNSFROM': {
    help: "how SOCK.NETNS was found: holder (a holder's), scan (another process's), borrowed (--borrow)",
    json: 'string',
    sockets: true,
    get: sock((s) => s.netnsFrom),
  },
  'INET.LADDR': {
    help: 'local IP address (IPv4 or IPv6)',
    json: 'string',
    sockets: true,
    get: sock((s) => s.local?.address),
  },
  'INET.LPORT': {
    help: 'local port',
    json: 'number',
    align: 'right',
    sockets: true,
    get: sock((s) => s.local?.port),
  },
  'INET.RADDR': {
    help: 'remote IP address (IPv4 or IPv6)',
    json: 'string',
    sockets: true,
    get: sock((s) => s.remote?.address),
  },
  'INET.RPORT': {
    help: 'remote port',
    json: 'number',
    align: 'right',
    sockets: true,
    get: sock((s) => s.remote?.port),
  },
  'UNIX.PATH': {
    help: 'path a UNIX socket is bound to, or @name for an abstract name',
    json: 'string',
    sockets: true,
    get: sock((s) => s.path),
  },
  'NETLINK.PROTOCOL': {
    help: 'netlink protocol: route, sock_diag, kobject_uevent, …',
    json: 'string',
    sockets: true,
    get: sock((s) => (s.protocol === 'NETLINK' ? s.subprotocol : undefined)),
  },
  'NETLINK.LPORT': {
    help: 'netlink port id',
    json: 'number',
    align: 'right',
    sockets: true,
    get: sock((s) => s.portid),
  },
} satisfies Record<string, FdsColumn>;

/** A comm inside a `pid,comm,fd` list: its separators and backslash escaped, as lsfd's ENDPOINTS. */
const listedComm = (command: string) =>
  command.replace(/[\\, ]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
/** `pid,comm,fd` items, one space apart (`*` after one held outside the selection): on a terminal the
 * list is cut at an item, the rest counted. */
const peerItems = (peers: readonly Peer[]) =>
  peers.map((p) => `${p.pid},${listedComm(p.command)},${p.fd}${p.outside ? '*' : ''}`);
const peerList = (peers: (d: Description) => readonly Peer[] | undefined) =>
  listColumn<FdsRow>(
    ' ',
    h((d) => {
      const list = peers(d);
      return list ? peerItems(list) : null;
    }),
  );

/** PEERS of a pipe or socket with no other end seen: why, in words no pid,comm,fd item can look like. */
const UNSEEN: Record<PeerUnseen, string> = {
  listening: '(listening)',
  unconnected: '(unconnected)',
  remote: '(remote)',
  unreadable: '(unreadable)',
  'no-holder': '(no holder)',
  unknown: '(unknown)',
};

const PEER_COLUMNS = {
  PEERS: {
    help:
      'holders of the other end (pipe ends, UNIX peers, loopback connections, ptys): pid,comm,fd … (* outside ' +
      'the selection); or why none is seen: (listening), (unconnected), (remote), (unreadable), (no holder), (unknown)',
    peers: true,
    ...listColumn<FdsRow>(
      ' ',
      h((d) => (d.peerUnseen ? [UNSEEN[d.peerUnseen]] : d.peers ? peerItems(d.peers) : null)),
    ),
  },
  'EPOLL.WATCHERS': {
    help: 'epoll instances watching this description (verified with KCMP_EPOLL_TFD): pid,comm,epfd …',
    peers: true,
    ...peerList((d) => d.watchers),
  },
  'EPOLL.TARGETS': {
    help: 'on an epoll fd: the holders of what it watches (verified with KCMP_EPOLL_TFD): pid,comm,fd …',
    peers: true,
    ...peerList((d) => d.watching ?? (d.type === 'eventpoll' && d.peers ? [] : undefined)),
  },
  'EVENTFD.ID': {
    help: 'eventfd id (fdinfo eventfd-id, Linux 6.8+): one per eventfd',
    json: 'number',
    align: 'right',
    peers: true,
    get: h((d) => d.eventfdId ?? null),
  },
  'PIPE.SELFWRITER': {
    help: 'true for a pipe read end whose every writer holds it too (it waits for an EOF it prevents)',
    json: 'boolean',
    peers: true,
    get: h((d) => d.onlyWriterIsReader ?? null),
  },
} satisfies Record<string, FdsColumn>;
// ── end of socket and peer columns ─────────────────────────────────────────────────────────────────────────────

export const FDS_COLUMNS = {
  DESC: {
    help: 'open file description id (d1, d2, … in this report); d7? = uncertain (see CERTAIN)',
    json: 'string',
    get: h((d) => (d.certain ? d.id : `${d.id}?`)),
  },
  PID: { help: 'process ID', json: 'number', align: 'right', perFd: true, get: both('pid') },
  TID: {
    help: 'thread ID, when the fd table was read through a thread (shown when any row is)',
    json: 'number',
    align: 'right',
    perFd: true,
    get: h(
      (_, x) => x.tid ?? null,
      (e) => e.tid ?? null,
    ),
  },
  FDTABLE: {
    help:
      "on a process sharing another's fd table (CLONE_FILES): that process, under which this same fd is " +
      'listed and counted (shown when any row has one)',
    json: 'number',
    align: 'right',
    perFd: true,
    get: h((_, x) => x.fdTable ?? null),
  },
  PPID: {
    help: 'parent process ID',
    json: 'number',
    align: 'right',
    field: 'ppid',
    perFd: true,
    get: (row) => row.process.ppid,
  },
  USER: { ...IDENTITY.USER, perFd: true },
  UID: { ...IDENTITY.UID, perFd: true },
  COMMAND: {
    help: 'command name of the process (comm: 15 bytes, set by the process)',
    json: 'string',
    perFd: true,
    get: (row) => (row.error ? row.command : row.holder.command),
  },
  CMDLINE: { ...IDENTITY.CMDLINE, perFd: true },
  FD: { help: 'file descriptor number', json: 'number', align: 'right', perFd: true, get: both('fd') },
  TYPE: {
    help:
      "file type: REG, DIR, FIFO, CHR, BLK, eventfd, pidfd, …, a socket's protocol (TCP, UDP, UNIX-STREAM, …; " +
      'SOCK if unknown); ERROR for an error row',
    json: 'string',
    get: h(
      (d) => d.type,
      () => 'ERROR',
    ),
  },
  STTYPE: {
    help: 'file type in st_mode: REG, DIR, FIFO, SOCK, CHR, BLK, LINK, or UNKN (an anonymous inode)',
    json: 'string',
    get: h((d) => d.stType),
  },
  MODE: {
    help: 'access mode: r, w, rw, or - (O_PATH)',
    json: 'string',
    fdinfo: true,
    field: 'mode',
    get: h((_, x) => (x.flags === undefined ? null : accessMode(x.flags))),
  },
  POS: {
    help: 'file position (moves under a running process)',
    json: 'number',
    align: 'right',
    fdinfo: true,
    get: h((_, x) => x.pos ?? null),
  },
  FLAGS: {
    help: 'open flags beyond the access mode; cloexec is per fd (JSON: flags, f_flags as a number, and cloexec)',
    json: 'number',
    fdinfo: true,
    perFd: true,
    get: h((_, x) => (x.flags === undefined ? null : flagNames(x.flags, x.cloexec ?? false))),
  },
  MNTID: {
    help: 'mount id (fdinfo mnt_id)',
    json: 'number',
    align: 'right',
    fdinfo: true,
    get: h((_, x) => x.mntId ?? null),
  },
  SIZE: {
    help: 'file size in bytes (st_size; 0 for pipes, sockets and most anon inodes)',
    json: 'number',
    align: 'right',
    fileStat: true,
    get: h((d) => d.file?.size ?? null),
  },
  NLINK: {
    help: 'hard links to the file (st_nlink; 0: deleted while held open)',
    json: 'number',
    align: 'right',
    fileStat: true,
    get: h((d) => d.file?.nlink ?? null),
  },
  DEV: { help: 'device of the file, major:minor', json: 'string', get: h((d) => d.dev) },
  INODE: { help: 'inode number of the file', json: 'number', align: 'right', get: h((d) => d.ino) },
  NAME: {
    help:
      'file name, or pipe:[ino], anon_inode:[…]; a socket as "TCP 127.0.0.1:80 (LISTEN)", its protocol alone ' +
      'where no socket table lists it ("TCP": unbound), socket:[ino] if unknown; syscall:ERRNO for an error row',
    json: 'string',
    sockets: true,
    truncate: 'late',
    get: h(
      (d) => (d.socket ? socketName(d.socket) : d.name),
      (e) => (e.errno === null ? (e.reason ?? null) : `${e.syscall}:${e.errno}`),
    ),
  },
  METHOD: {
    help: 'how the holders were grouped: kcmp, borrowed-dupfd-query, socket-inode, o-path, different-inode, none',
    json: 'string',
    get: h((d) => d.method),
  },
  CERTAIN: {
    help: 'false: could not be told apart from other uncertain descriptions of the same inode',
    json: 'boolean',
    get: h((d) => d.certain),
  },
  HOLDERS: {
    help: 'number of fds holding the description (an fd of an fd table processes share, once)',
    json: 'number',
    align: 'right',
    get: h((d) => fdCount(d)),
  },
  HELDBY: {
    help:
      'who holds the description: "PID TITLE fds N,…" per process, processes with one title and the same fds ' +
      'folded as "COUNT × TITLE fds N,…" (TITLE: the "name: status" title a process set over its arguments, ' +
      'as postgres and nginx do, else its comm); for an error row, its process',
    details: true,
    ...listColumn('; ', heldByItems),
  },
  MESSAGE: {
    help: 'what an error row means',
    json: 'string',
    get: h(
      () => null,
      (e) => e.message,
    ),
  },
  ...SOCKET_COLUMNS,
  ...PEER_COLUMNS,
} satisfies Record<string, FdsColumn>;

export type FdsColumnName = keyof typeof FDS_COLUMNS;

export const FDS_DEFAULT_COLUMNS: readonly FdsColumnName[] = [
  'DESC',
  'PID',
  'COMMAND',
  'FD',
  'TYPE',
  'MODE',
  'POS',
  'NAME',
];

/** Do these columns need fdinfo to be read? */
export function needsFdinfo(names: readonly string[]): boolean {
  return names.some((n) => column(n)?.fdinfo === true);
}

function column(name: string): FdsColumn | undefined {
  return (FDS_COLUMNS as Record<string, FdsColumn>)[name];
}

/** Do these columns need the sockets to be named? */
export function needsSockets(names: readonly string[]): boolean {
  return names.some((n) => column(n)?.sockets === true);
}

/** Do these columns need stat(2) of the descriptions' files? */
export function needsFileStat(names: readonly string[]): boolean {
  return names.some((n) => column(n)?.fileStat === true);
}

/** Do these columns need the peers to be found? */
export function needsPeers(names: readonly string[]): boolean {
  return names.some((n) => column(n)?.peers === true);
}

/** The RowProcess of each pid of the report; `details` by pid when a column needs them. */
function rowProcesses(report: FdsReport, details?: ReadonlyMap<number, ProcessDetails>): ProcessLookup {
  const processes = new Map<number, RowProcess>();
  for (const p of report.processes) {
    const known = details?.get(p.pid);
    processes.set(p.pid, known ? { ppid: p.ppid, details: known } : { ppid: p.ppid });
  }
  return (pid) => processes.get(pid) ?? { ppid: null };
}

/** Makes the rows of one report, a holder's or an error's; `details` by pid when a column needs them. */
export function rowMaker(report: FdsReport, details?: ReadonlyMap<number, ProcessDetails>) {
  const processOf = rowProcesses(report, details);
  const commands = new Map(report.processes.map((p) => [p.pid, p.command]));
  return {
    holder: (description: Description, holder: Holder): FdsRow => {
      return { description, holder, process: processOf(holder.pid), processOf };
    },
    error: (error: ScanError): FdsRow => {
      return { error, command: commands.get(error.pid) ?? '', process: processOf(error.pid), processOf };
    },
  };
}

/** Every holder, then every error, as rows; `details` by pid when a column needs them. */
export function fdsRows(report: FdsReport, details?: ReadonlyMap<number, ProcessDetails>): FdsRow[] {
  const row = rowMaker(report, details);
  const rows: FdsRow[] = [];
  for (const description of report.descriptions) {
    for (const holder of description.holders) rows.push(row.holder(description, holder));
  }
  for (const error of report.errors) rows.push(row.error(error));
  return rows;
}

/**
 * For `-J -o LIST`: each holder gains the fields of the listed columns that kcmp.fds/2 leaves out
 * (`field`: mode, ppid, user, uid, cmdline), with the value the table would show; the others are in
 * the document already (pos, flags, cloexec, mntId once fdinfo is read; tid; the description's fields).
 */
export function addHolderFields(
  report: FdsReport,
  names: readonly string[],
  details?: ReadonlyMap<number, ProcessDetails>,
): void {
  addColumnFields<FdsRow>(FDS_COLUMNS, names, fdsRows(report, details), (row) => row.holder);
}

/** The table; `details` by pid when a column needs them; `keep`: the rows to show (-Q), all by default. */
export function renderFdsTable(
  report: FdsReport,
  columns: readonly string[],
  options: TableOptions,
  details?: ReadonlyMap<number, ProcessDetails>,
  keep?: (row: FdsRow) => boolean,
): Iterable<string> {
  const rows = fdsRows(report, details);
  return renderTable(keep ? rows.filter(keep) : rows, FDS_COLUMNS, columns, options);
}

/**
 * The columns the rows of this report need beside `names` to be told apart, after PID: TID when some fds
 * were read through a thread (rows would look duplicated without it), FDTABLE when processes share an fd
 * table (the same fd under two pids would look like two).
 */
export function withTellingColumns(names: readonly string[], report: FdsReport): string[] {
  const holders = report.descriptions.flatMap((d) => d.holders);
  const telling = [
    ...(holders.some((x) => x.tid !== undefined) ? ['TID'] : []),
    ...(holders.some((x) => x.fdTable !== undefined) ? ['FDTABLE'] : []),
  ].filter((n) => !names.includes(n));
  const at = names.indexOf('PID') + 1;
  return [...names.slice(0, at), ...telling, ...names.slice(at)];
}

/**
 * "5 processes, 50000 fds in 27560 descriptions (4924 shared), 0 errors, 246020 kcmp calls, 0.78 s";
 * `unit` names what `comparisons` counted ("comparison" when --borrow stood in for kcmp).
 */
export function fdsSummary(stats: FdsStats, unit = 'kcmp call'): string {
  return (
    `${plural(stats.processes, 'process', 'processes')}, ${plural(stats.fds, 'fd')} in ` +
    `${plural(stats.descriptions, 'description')} (${stats.shared} shared), ${plural(stats.errors, 'error')}, ` +
    `engine ${stats.engine}, ${plural(stats.comparisons, unit)}, ${(stats.elapsedMs / 1000).toFixed(2)} s`
  );
}

/**
 * The lines under the summary: which processes share an fd table (their fds are listed under each, counted
 * once), what the "?" of uncertain descriptions means, and which processes --stop left running (traced:
 * the snapshot of them is not exact); '' when none applies.
 */
export function fdsFootnote(report: FdsReport): string {
  const notes = sharedTables(report);
  if (!report.descriptions.every((d) => d.certain)) {
    notes.push(
      '?: uncertain: some fds of this file could not be compared (kcmp unavailable or refused, see the ' +
        'ERROR rows); fds listed together do share one description, fds listed apart may share one too: ' +
        'nothing is merged on a guess',
    );
  }
  const running = report.errors.filter((e) => e.reason === 'not-stopped').map((e) => e.pid);
  if (running.length > 0) {
    const [them, processes] = running.length === 1 ? ['it', 'process'] : ['them', 'processes'];
    notes.push(
      `not an exact snapshot of ${processes} ${running.join(', ')}: --stop did not hold ${them} still ` +
        `(traced, or not stopped in time: ERROR not-stopped says which)`,
    );
  }
  if (report.descriptions.some((d) => d.peers?.some((p) => p.outside))) {
    notes.push('*: a peer held by a process outside the selection');
  }
  const unsearched = report.stats.unsearched;
  if (unsearched) {
    notes.push(
      `${unsearched} ${unsearched === 1 ? 'process' : 'processes'} searched could not be read: what ${unsearched === 1 ? 'it holds' : 'they hold'} is not seen`,
    );
  }
  return notes.map((note) => `${note}\n`).join('');
}

/** At most this many shared fd tables are named under the summary; the others are counted. */
const TABLES_NAMED = 4;

/** The note on the tables processes share, in the words of `kcmp tasks` ("1235 shares files with 1234");
 * none when no process shares another's. */
function sharedTables(report: FdsReport): string[] {
  const sharersOf = new Map<number, number[]>();
  for (const p of report.processes) {
    if (p.fdTableOf !== undefined) sharersOf.set(p.fdTableOf, [...(sharersOf.get(p.fdTableOf) ?? []), p.pid]);
  }
  if (sharersOf.size === 0) return [];
  const named = [...sharersOf].slice(0, TABLES_NAMED).map(([pid, sharers]) => {
    return `${sharers.join(', ')} ${sharers.length === 1 ? 'shares' : 'share'} files with ${pid}`;
  });
  const more = sharersOf.size - named.length;
  if (more > 0) named.push(`and ${plural(more, 'more shared table')}`);
  const tables = sharersOf.size === 1 ? 'one fd table' : 'one fd table each';
  return [
    `${named.join('; ')} (CLONE_FILES): ${tables}, its fds listed under every process holding it and counted once`,
  ];
}
