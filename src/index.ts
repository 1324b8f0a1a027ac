/**
 * kcmp — the public library API.
 *
 * One pair: `kcmp()` (the system call, typed), `sameFile()`, `sameTaskResource()` — synchronous, one
 * answer each with the method that gave it. Scans: `inspectFds()`, `inspectTasks()`, `inspectEpoll()`,
 * `inspectLeaks()` — each takes one options object with an explicit `selection` (`{ kind: 'all' }` to
 * scan every visible process; never implied) and returns a Promise: a scan may use worker threads and
 * runs beside servers (the exporter), where a synchronous scan would block the event loop. Each report
 * says how it was obtained (methods per description, the engine in `stats`). What the machine allows:
 * `detectCapabilities()`, and `diagnose()` for everything `kcmp doctor` prints.
 *
 * @example
 * import { inspectFds, kcmp, sameFile } from 'kcmp';
 * kcmp(process.pid, process.pid, 'vm'); // 'equal'
 * const report = await inspectFds({ selection: { kind: 'tree', root: process.pid } });
 */
export { type Diagnosis, DOCTOR_SCHEMA, diagnose, type Limit } from './compare/diagnose.js';
export { kcmp, parseKcmpType } from './compare/kcmp.js';
export {
  type Capabilities,
  detectCapabilities,
  type ProbeOutcome,
  type ProbeResult,
} from './compare/probe.js';
export { remedyFor } from './compare/remedies.js';
export { type SameFileOptions, sameFile } from './compare/same-file.js';
export { sameTaskResource, type TaskVerdict } from './compare/same-task.js';
export type {
  EpollSlot,
  FdRef,
  KcmpType,
  Method,
  NotCalledReason,
  Order,
  Reason,
  TaskResource,
  Verdict,
} from './compare/types.js';
export {
  AccessDeniedError,
  InvalidArgumentError,
  isKcmpError,
  KcmpError,
  ProcessGoneError,
  ProcNamespaceError,
  SeccompKillError,
  UnsupportedPlatformError,
  ZombieProcessError,
} from './errors.js';
export { type EpollOptions, inspectEpoll } from './inspect/epoll/epoll.js';
export type { EpollHolder, EpollReport, EpollStatus, EpollTarget } from './inspect/epoll/epoll-report.js';
export {
  type FdsOptions,
  type FdsProgress,
  type FdsScanOptions,
  inspectFds,
} from './inspect/fds/fds.js';
export type {
  Description,
  FdsMethod,
  FdsReport,
  FdsStats,
  Holder,
  Peer,
  PeerUnseen,
  ProcessInfo,
  ScanError,
} from './inspect/fds/fds-report.js';
export type { FdObject } from './inspect/fds/objects.js';
export { type OtherEnd, type OtherEndHolder, otherEndOf } from './inspect/fds/other-end.js';
export { type FleetSample, type FleetScanOptions, fleetScan } from './inspect/fleet/fleet-scan.js';
export { type ContainerLeaksOptions, inspectContainerLeaks } from './inspect/leaks/container-leaks.js';
export type {
  ContainerLeak,
  ContainerLeakKind,
  ContainerLeaksReport,
} from './inspect/leaks/container-leaks-report.js';
export type { Container } from './inspect/leaks/containers.js';
export { inspectLeaks, type LeaksOptions } from './inspect/leaks/leaks.js';
export type {
  Leak,
  LeakCase,
  LeakEnd,
  LeakKind,
  LeaksReport,
  UndecidedProcess,
} from './inspect/leaks/leaks-report.js';
export { inspectTasks, type TasksOptions } from './inspect/tasks/tasks.js';
export type {
  KcmpErrorScope,
  KcmpRefusedError,
  KcmpUnusableError,
  KindErrorScope,
  KindUndecidedError,
  KindUnsupportedError,
  TaskCallError,
  TaskError,
  TaskErrorReason,
  TaskErrorScope,
  TaskInfo,
  TaskRelation,
  TaskStateError,
  TasksReport,
} from './inspect/tasks/tasks-report.js';
export type { FileTypeName, KindName, StatTypeName } from './procfs/kinds.js';
export type { Selection } from './procfs/select.js';
export type { SocketProtocolName } from './procfs/socket-protocol.js';
export { renderDot } from './report/dot.js';
export type { GraphOptions, SharingGraph } from './report/graph.js';
export { fdsGraph } from './report/graph-fds.js';
export { tasksGraph } from './report/graph-tasks.js';
export { fdsPicture, type Picture, tasksPicture } from './report/pictures.js';
export { renderSvg } from './report/svg.js';
export { type ErrnoName, isGone, isNotSupported, isPrivilege } from './sys/errno.js';
export { hasEscapedBytes, textBytes } from './sys/lossless-text.js';
export { SysError } from './sys/sys-error.js';
