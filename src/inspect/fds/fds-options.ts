/**
 * The options of an fd scan, their defaults and their validation, in one place. One knob chooses how fds
 * are compared: `engine` (fd-engine.ts) — `borrow: true` is another way to say `engine: 'borrow'`, and a
 * call that says both differently is refused. A call from plain JavaScript with a malformed option gets an
 * InvalidArgumentError (`code: 'ERR_INVALID_ARG_VALUE'`) naming it, never a TypeError from inside.
 */
import { assertOneOf, assertOptionalBoolean, describe } from '../../compare/validate.js';
import { InvalidArgumentError } from '../../errors.js';
import type { Selection } from '../../procfs/select.js';
import { assertScanOptions } from '../selection.js';
import { ENGINE_REQUESTS, type EngineChoice, type EngineRequest } from './fd-engine.js';
import type { FdObject } from './objects.js';

/** Every option of {@link inspectFds}; a caller passes {@link FdsScanOptions} (only `selection` required). */
export interface FdsOptions {
  /** Which processes to scan; never implied (`{ kind: 'all' }` scans every visible process). */
  selection: Selection;
  /** List every description, not only those held more than once. */
  all: boolean;
  /** Read fdinfo (pos, flags, mnt_id) for the holders of the listed descriptions; 'shared': only for those
   * held by more than one fd (what a leak finder compares: one open, close and read per fd saved on the
   * others, the bulk of a machine-wide scan). */
  fdinfo: boolean | 'shared';
  /** Read stat(2) of the file of each listed description (its `file`: size, link count). */
  fileStat: boolean;
  /** Name the sockets of the listed descriptions (their `socket` object), from sock_diag. */
  sockets: boolean;
  /**
   * Find the other ends (peers) and epoll watchers of the listed descriptions: true looks for other ends
   * among every process the user may read (those outside the selection are marked `outside`), and says
   * where none could be seen (`peerUnseen`); 'selection' only among the selected processes.
   */
  peers: boolean | 'selection';
  /**
   * Only these objects (`kcmp fds FILE…`, `PID:FD`): the fds referring to a file (its inode, symlinks
   * followed), or the description one fd holds with all its holders. Every description of them is listed
   * (`all` is implied). With the selection `{ kind: 'all' }`, every process the user may read is searched
   * and those that cannot be read are counted (`stats.unsearched`), not listed as errors.
   */
  objects: FdObject[];
  /** Compare socket inodes with kcmp too, instead of trusting "one description per socket". */
  paranoid: boolean;
  /** SIGSTOP the selected processes while scanning (refused for ourselves and our ancestors; a traced
   * process is left running and said so). */
  stop: boolean;
  /** Worker threads (at most as many as cores); 'auto': as many as cores (≤ 4), when the scan is large
   * and the cores are free. */
  workers: number | 'auto';
  /**
   * How fds are read and compared: 'kcmp' (/proc and kcmp), 'bpf' (one BPF pass, kcmp proves; root),
   * 'borrow' (where kcmp is blocked: pidfd_getfd + F_DUPFD_QUERY), or 'auto' (bpf where it can run and
   * pays, else kcmp). The engine that ran is the report's `stats.engine` — 'none' when nothing could
   * compare.
   */
  engine: EngineRequest;
  /** The kernel BTF the bpf engine reads struct layouts from (default /sys/kernel/btf/vmlinux). */
  btfPath?: string;
  /** Told once which engine runs and why, before the scan starts. */
  onEngine?: (choice: EngineChoice) => void;
  /** Called as fds are read and grouped, e.g. to draw a progress bar. */
  onProgress?: (progress: FdsProgress) => void;
}

/** How far a scan is, as passed to {@link FdsOptions.onProgress}. */
export interface FdsProgress {
  /** 'scan': reading fd tables from /proc; 'group': comparing the fds into descriptions. */
  phase: 'scan' | 'group';
  /** Fds done so far in this phase. */
  done: number;
  /** Fds this phase will handle. */
  total: number;
}

/** What a caller passes: the selection (never implied: `{ kind: 'all' }` scans every visible process),
 * and any of the other options, whose defaults live in {@link normalizeFdsOptions}. `borrow: true` is
 * `engine: 'borrow'`. */
export type FdsScanOptions = Partial<FdsOptions> &
  Pick<FdsOptions, 'selection'> & {
    /** The same as `engine: 'borrow'` (the CLI's --borrow). */
    borrow?: boolean;
  };

const FLAGS = ['all', 'fileStat', 'sockets', 'paranoid', 'stop', 'borrow'] as const;

/** The options with every default filled in; throws InvalidArgumentError for any malformed one. */
export function normalizeFdsOptions(options: FdsScanOptions): FdsOptions {
  assertScanOptions(options, 'inspectFds');
  for (const flag of FLAGS) assertOptionalBoolean(options[flag], `${flag} option`);
  assertFlagOr(options.fdinfo, 'fdinfo', 'shared');
  assertFlagOr(options.peers, 'peers', 'selection');
  const objects = objectsOf(options.objects);
  if (objects.length > 0 && options.stop && options.selection.kind === 'all') {
    throw new InvalidArgumentError(
      'objects and stop: true with the selection { kind: "all" } would stop every process of the machine',
      { remedy: 'name the processes to stop (the CLI: -p or --tree beside the operands)' },
    );
  }
  const { workers = 'auto' } = options;
  if (workers !== 'auto' && !(Number.isInteger(workers) && workers >= 0 && workers <= 64)) {
    throw new InvalidArgumentError(`invalid workers option ${describe(workers)}: 'auto' or 0 to 64`);
  }
  for (const hook of ['onEngine', 'onProgress'] as const) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw new InvalidArgumentError(`invalid ${hook} option ${describe(options[hook])}: a function`);
    }
  }
  if (options.btfPath !== undefined && (typeof options.btfPath !== 'string' || options.btfPath === '')) {
    throw new InvalidArgumentError(`invalid btfPath option ${describe(options.btfPath)}: a file path`);
  }
  return {
    selection: options.selection,
    all: objects.length > 0 || (options.all ?? false),
    fdinfo: options.fdinfo ?? false,
    fileStat: options.fileStat ?? false,
    sockets: options.sockets ?? false,
    peers: options.peers ?? false,
    objects,
    paranoid: options.paranoid ?? false,
    stop: options.stop ?? false,
    workers,
    engine: engineOf(options),
    ...(options.btfPath ? { btfPath: options.btfPath } : {}),
    ...(options.onEngine ? { onEngine: options.onEngine } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  };
}

/** `engine`, with `borrow: true` read as 'borrow'; the two saying different things is refused. */
function engineOf({ engine, borrow }: FdsScanOptions): EngineRequest {
  if (engine !== undefined) assertOneOf(engine, ENGINE_REQUESTS, 'engine option');
  if (borrow && engine !== undefined && engine !== 'auto' && engine !== 'borrow') {
    throw new InvalidArgumentError(
      `options borrow: true and engine: '${engine}' contradict each other: borrow is the borrow engine`,
      { remedy: "pass engine: 'borrow' alone (the CLI: --engine borrow, or --borrow)" },
    );
  }
  return borrow ? 'borrow' : (engine ?? 'auto');
}

/** The `objects` option, each checked: `{ file: PATH }` or `{ pid, fd }`. */
function objectsOf(objects: unknown): FdObject[] {
  if (objects === undefined) return [];
  if (!Array.isArray(objects))
    throw new InvalidArgumentError(`invalid objects option ${describe(objects)}: an array`);
  return objects.map((o: unknown) => {
    const ok =
      typeof o === 'object' &&
      o !== null &&
      (('file' in o && typeof o.file === 'string' && o.file !== '') ||
        ('pid' in o &&
          'fd' in o &&
          Number.isInteger(o.pid) &&
          (o.pid as number) > 0 &&
          Number.isInteger(o.fd) &&
          (o.fd as number) >= 0));
    if (!ok) throw new InvalidArgumentError(`invalid object ${describe(o)}: { file: PATH } or { pid, fd }`);
    return o as FdObject;
  });
}

/** A boolean option that also takes one word; anything else throws, naming the three. */
function assertFlagOr(value: unknown, name: string, word: string): void {
  if (value === undefined || typeof value === 'boolean' || value === word) return;
  throw new InvalidArgumentError(`invalid ${name} option ${describe(value)}: true, false or '${word}'`);
}
