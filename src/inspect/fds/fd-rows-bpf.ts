/**
 * Stage 2 of the bpf engine: the rows of the selected fd tables from task_file iterator passes (src/bpf)
 * instead of /proc — the same columns the /proc path reads, in the same (table, fd) order, plus each fd's
 * struct file key: the proposal the group stage has kcmp prove (bpf-proof.ts). Matched to tables by tid:
 * the kernel's iterator visits each fd table once, through a task that holds it (it skips threads that
 * share their leader's table).
 */
import type { TaskFileIterator, TaskFileRecords } from '../../bpf/task-file-iter.js';
import { allocFdColumns, permuteFdColumns } from '../../procfs/fds.js';
import { decodeLossless } from '../../sys/lossless-text.js';
import type { FdRows } from './fd-rows.js';
import type { FdTable } from './fd-tables.js';

/**
 * Up to this many processes, each gets its own pid-filtered pass (Linux 6.1) rather than one pass over
 * every task of the machine: a pass costs a link, an iterator fd and a few reads (tens of µs), while a
 * whole pass reads every fd of every process, which on a busy machine is far more than the selection.
 */
const FILTERED_PASSES = 512;

export function readRowsBpf(iter: TaskFileIterator, tables: readonly FdTable[]): FdRows {
  const passes = readPasses(iter, tables);
  const tableByTid = new Map(tables.map((t, i) => [t.tid, i]));
  // A task's records come together: one lookup per task, not per fd.
  let lastTid = -1;
  let lastTable: number | undefined;
  const tableOfTid = (tid: number) => {
    if (tid !== lastTid) {
      lastTid = tid;
      lastTable = tableByTid.get(tid);
    }
    return lastTable;
  };
  const bounds = new Int32Array(tables.length + 1);
  for (const pass of passes) {
    for (let i = 0; i < pass.count; i++) {
      const t = tableOfTid(pass.tid[i] as number);
      if (t !== undefined) bounds[t + 1] = (bounds[t + 1] as number) + 1;
    }
  }
  for (let t = 1; t <= tables.length; t++) bounds[t] = (bounds[t] as number) + (bounds[t - 1] as number);
  const n = bounds[tables.length] as number;
  const rows: BpfRows = {
    ...allocFdColumns(n),
    tables,
    table: new Int32Array(n),
    fileKey: new Int32Array(n),
    name: { pass: new Int32Array(n), index: new Int32Array(n).fill(-1) },
  };
  const next = bounds.slice(0, tables.length);
  passes.forEach((pass, p) => {
    for (let i = 0; i < pass.count; i++) {
      const t = tableOfTid(pass.tid[i] as number);
      if (t === undefined) continue;
      const row = (next[t] as number)++;
      rows.table[row] = t;
      rows.fd[row] = pass.fd[i] as number;
      rows.dev[row] = pass.dev[i] as number;
      rows.ino[row] = pass.ino[i] as number;
      rows.mode[row] = pass.mode[i] as number;
      rows.linkMode[row] = linkModeOf(pass.fMode[i] as number);
      rows.fileKey[row] = pass.key[i] as number;
      if (pass.names || pass.protocols) {
        rows.name.pass[row] = p;
        rows.name.index[row] = i;
      }
    }
  });
  sortWithinTables(bounds, rows);
  const { name, ...rest } = rows;
  const record = (row: number) => [name.pass[row] as number, name.index[row] as number] as const;
  return {
    ...rest,
    nameOf: (row) => nameIn(passes, ...record(row)),
    protocolOf: (row) => protocolIn(passes, ...record(row)),
  };
}

/** FdRows as the passes fill them: each row's record (its pass and index there) for its name and protocol. */
type BpfRows = FdRows & { fileKey: Int32Array; name: { pass: Int32Array; index: Int32Array } };

/** The name record `index` of pass `p` carries, if it carries one. */
function nameIn(passes: readonly TaskFileRecords[], p: number, index: number): string | undefined {
  const names = passes[p]?.names;
  if (!names || index < 0) return undefined;
  const length = names.length[index] as number;
  if (length === 0) return undefined;
  const start = names.start[index] as number;
  return decodeLossless(names.bytes.subarray(start, start + length));
}

/** The protocol name record `index` of pass `p` carries, if the pass read one (a socket's: '' for one
 * without a protocol). */
function protocolIn(passes: readonly TaskFileRecords[], p: number, index: number): string | undefined {
  const protocols = passes[p]?.protocols;
  if (!protocols || index < 0) return undefined;
  const id = protocols.id[index] as number;
  return id === 0 ? undefined : protocols.names[id - 1];
}

/** The pid-filtered passes for a few processes, else one pass over every task. */
function readPasses(iter: TaskFileIterator, tables: readonly FdTable[]): TaskFileRecords[] {
  const pids = [...new Set(tables.map((t) => t.pid))];
  if (pids.length > FILTERED_PASSES) return [iter.read()];
  const passes: TaskFileRecords[] = [];
  for (const pid of pids) {
    const pass = iter.read(pid);
    // Before 6.1 the kernel ignores the filter: this pass already holds every task.
    for (let i = 0; i < pass.count; i++) if (pass.tgid[i] !== pid) return [pass];
    passes.push(pass);
  }
  return passes;
}

/**
 * The st_mode procfs gives the fd's /proc link, from the f_mode the pass read: S_IFLNK plus S_IRUSR|S_IXUSR
 * for FMODE_READ (1), S_IWUSR|S_IXUSR for FMODE_WRITE (2) (fs/proc/fd.c, tid_fd_update_inode), so the
 * socket split (buckets.ts) sees what the /proc scan would.
 */
function linkModeOf(fMode: number): number {
  return 0o120000 | (fMode & 1 ? 0o500 : 0) | (fMode & 2 ? 0o300 : 0);
}

/** The kernel visits a table's fds in ascending order; this only checks, and sorts a table that is not. */
function sortWithinTables(bounds: Int32Array, rows: BpfRows): void {
  for (let t = 0; t + 1 < bounds.length; t++) {
    const from = bounds[t] as number;
    const to = bounds[t + 1] as number;
    let sorted = true;
    for (let r = from + 1; r < to && sorted; r++)
      sorted = (rows.fd[r - 1] as number) < (rows.fd[r] as number);
    if (sorted) continue;
    const order = Array.from({ length: to - from }, (_, i) => from + i).sort(
      (a, b) => (rows.fd[a] as number) - (rows.fd[b] as number),
    );
    const keys = order.map((r) => rows.fileKey[r] as number);
    const passes = order.map((r) => rows.name.pass[r] as number);
    const indexes = order.map((r) => rows.name.index[r] as number);
    permuteFdColumns(rows, from, order);
    rows.fileKey.set(keys, from);
    rows.name.pass.set(passes, from);
    rows.name.index.set(indexes, from);
  }
}
