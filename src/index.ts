/**
 * kcmp — the public library API.
 *
 * @example
 * import { kcmp, sameFile } from 'kcmp';
 * kcmp(process.pid, process.pid, 'vm'); // 'equal'
 */
export { type Diagnosis, DOCTOR_SCHEMA, diagnose, type Limit } from './compare/diagnose.js';
export { kcmp, orderOf, parseKcmpType } from './compare/kcmp.js';
export {
  type Capabilities,
  detectCapabilities,
  type ProbeOutcome,
  type ProbeResult,
} from './compare/probe.js';
export { remedyFor } from './compare/remedies.js';
export { detectRunMethod, type RunMethod, type RunMethodName } from './compare/run-method.js';
export { type SameFileOptions, sameFile } from './compare/same-file.js';
export { sameTaskResource, type TaskVerdict } from './compare/same-task.js';
export type {
  EpollSlot,
  FdRef,
  KcmpType,
  Method,
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
  UnsupportedPlatformError,
  ZombieProcessError,
} from './errors.js';
export { type EpollOptions, inspectEpoll } from './inspect/epoll/epoll.js';
export type { EpollHolder, EpollReport, EpollStatus, EpollTarget } from './inspect/epoll/epoll-report.js';
export { type FdsOptions, type FdsProgress, inspectFds, normalizeFdsOptions } from './inspect/fds/fds.js';
export type {
  Description,
  FdsReport,
  FdsStats,
  Holder,
  ProcessInfo,
  ScanError,
} from './inspect/fds/fds-report.js';
export { findLeaks, type LeakProbe, procfsProbe } from './inspect/leaks/leak-finder.js';
export { inspectLeaks, type LeaksOptions } from './inspect/leaks/leaks.js';
export type { Leak, LeakEnd, LeakKind, LeaksReport } from './inspect/leaks/leaks-report.js';
export { inspectTasks } from './inspect/tasks/tasks.js';
export type { TaskError, TaskInfo, TaskRelation, TasksReport } from './inspect/tasks/tasks-report.js';
export type { Selection } from './procfs/select.js';
export { renderDot } from './report/dot.js';
export { fdsGraph, type GraphOptions, type SharingGraph } from './report/graph.js';
export { tasksGraph } from './report/graph-tasks.js';
export { fdsPicture, type Picture, tasksPicture } from './report/pictures.js';
export { renderSvg } from './report/svg.js';
export { type ErrnoName, isGone, isNotSupported, isPrivilege } from './sys/errno.js';
export { SysError } from './sys/sys-error.js';
