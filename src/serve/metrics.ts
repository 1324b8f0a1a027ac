/**
 * Every metric the exporter serves, declared once, and the registry one scan's sample becomes. Names follow
 * OpenTelemetry's semantic conventions where one exists: process.unix.file_descriptor.count becomes
 * process_unix_file_descriptors, without the `_count` suffix Prometheus reserves for histograms and
 * summaries (promtool rejects it on a gauge). The rest are kcmp_*, in base units (seconds). Labels name a group (systemd unit, cgroup or comm), a container, a file
 * type, a kind — never a pid, tid, fd, inode, path or description id — and are capped (label-cap.ts).
 *
 * A registry is built once per completed scan and per format, and never changed afterwards: a scrape
 * renders one consistent scan however scans and scrapes interleave. Only the age of the last scan is
 * computed when scraped. Counters (_total) count over the exporter's life; gauges describe the last scan.
 */
import { Counter, Gauge, Registry, type RegistryContentType } from 'prom-client';
import type { Capabilities } from '../compare/probe.js';
import type { Count, FleetSample } from '../inspect/fleet/fleet-scan.js';

export type Format = 'prometheus' | 'openmetrics';

export const CONTENT_TYPE: Readonly<Record<Format, RegistryContentType>> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** What stays the same for the exporter's life, or accumulates over it. */
export interface ExporterState {
  capabilities: Capabilities;
  version: string;
  scans: number;
  comparisons: number;
  /** Scans that failed as a whole, by reason (the errno name or error code: scan-worker.ts). */
  failures: Map<string, number>;
}

const GAUGES = {
  fds: [
    'process_unix_file_descriptors',
    "Open fds of the group's processes (the sum of OpenTelemetry's process.unix.file_descriptor.count), an fd of a table processes share (CLONE_FILES) once.",
    ['group', 'type'],
  ],
  descriptions: [
    'kcmp_open_file_descriptions',
    'Open file descriptions, once per group holding one.',
    ['group', 'type'],
  ],
  shared: [
    'kcmp_shared_open_file_descriptions',
    'Open file descriptions held by more than one fd (proven by kcmp), once per group holding one.',
    ['group', 'type'],
  ],
  leaks: [
    'kcmp_leaked_fds',
    'fds a child shares with an ancestor beyond stdio across an exec; case exec: an exec happened between them (a missing O_CLOEXEC), unknown: /proc could not tell. Sharing after a fork without exec is not a leak and not counted.',
    ['group', 'kind', 'case'],
  ],
  containerFiles: [
    'kcmp_container_host_files',
    'Host files a container can reach: fds shared with processes outside it, fds/cwd/root on mounts outside its mount namespace.',
    ['container', 'kind'],
  ],
  errors: [
    'kcmp_scan_errors',
    'Error rows of the last scan (processes that exited mid-scan among them), by the call that failed and its errno; syscall "none" where no call failed, with what happened as errno.',
    ['syscall', 'errno'],
  ],
  folded: [
    'kcmp_label_values_folded',
    'Distinct label values folded into "other" by the label cap.',
    ['label'],
  ],
} as const satisfies Record<string, readonly [string, string, readonly string[]]>;

const CAPABILITY_CALLS = {
  kcmp: 'kcmp',
  kcmpEpollTfd: 'kcmp_epoll_tfd',
  kcmpSysvsem: 'kcmp_sysvsem',
  dupfdQuery: 'f_dupfd_query',
  pidfdOpen: 'pidfd_open',
  pidfdGetfd: 'pidfd_getfd',
} as const satisfies Partial<Record<keyof Capabilities, string>>;

function gauge(
  registry: Registry<RegistryContentType>,
  name: string,
  help: string,
  labelNames: readonly string[] = [],
): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

function counts<L extends string>(
  registry: Registry<RegistryContentType>,
  key: keyof typeof GAUGES,
  values: readonly Count<L>[],
): void {
  const [name, help, labels] = GAUGES[key];
  const g = gauge(registry, name, help, labels);
  for (const c of values) g.set(c.labels, c.value);
}

/** The registry of one completed scan in one format. `now` gives the scrape time for the age gauge. */
export function registryOf(
  sample: FleetSample,
  state: ExporterState,
  format: Format,
  now = Date.now,
): Registry<RegistryContentType> {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(CONTENT_TYPE[format]);
  gauge(registry, 'kcmp_scan_duration_seconds', 'How long the last completed scan took.').set(
    sample.durationSeconds,
  );
  const age: Gauge = new Gauge({
    name: 'kcmp_last_scan_age_seconds',
    help: 'Seconds since the last completed scan ended, at scrape time.',
    registers: [registry],
    collect: () => age.set(Math.max(0, (now() - sample.completedAt) / 1000)),
  });
  gauge(registry, 'kcmp_last_scan_timestamp_seconds', 'When the last completed scan ended (Unix time).').set(
    sample.completedAt / 1000,
  );
  gauge(registry, 'kcmp_scan_processes', 'Processes in the last scan.').set(sample.processes);
  gauge(registry, 'kcmp_scan_comparisons', 'kcmp calls of the last scan.').set(sample.comparisons);
  gauge(
    registry,
    'kcmp_containers',
    "Containers (pid + mount namespace not the host's) in the last scan.",
  ).set(sample.containers);
  for (const key of Object.keys(GAUGES) as (keyof typeof GAUGES)[]) {
    counts(registry, key, sample[key] as Count<string>[]);
  }
  new Counter({ name: 'kcmp_scans_total', help: 'Completed scans.', registers: [registry] }).inc(state.scans);
  new Counter({
    name: 'kcmp_comparisons_total',
    help: 'kcmp calls made by all scans.',
    registers: [registry],
  }).inc(state.comparisons);
  const failures = new Counter({
    name: 'kcmp_scan_failures_total',
    help: 'Scans that failed as a whole (the previous scan is served meanwhile), by errno name or error code.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const [reason, n] of state.failures) failures.inc({ reason }, n);
  capabilityGauges(registry, state);
  gauge(
    registry,
    'kcmp_engine_info',
    'The identity engine the last scan ran (value 1), as --json stats.engine.',
    ['engine'],
  ).set({ engine: sample.engine }, 1);
  return registry;
}

function capabilityGauges(registry: Registry<RegistryContentType>, state: ExporterState): void {
  const usable = gauge(
    registry,
    'kcmp_capability_usable',
    '1 when this call works for the exporter here (probed on its own process), 0 when missing or blocked.',
    ['call'],
  );
  const outcome = gauge(
    registry,
    'kcmp_capability_outcome',
    'The probe outcome per call (value 1): usable, eperm or killed (a seccomp filter), enosys, unsupported, failed.',
    ['call', 'outcome', 'errno'],
  );
  for (const [key, call] of Object.entries(CAPABILITY_CALLS) as [keyof typeof CAPABILITY_CALLS, string][]) {
    const probe = state.capabilities[key];
    usable.set({ call }, probe.outcome === 'usable' ? 1 : 0);
    outcome.set({ call, outcome: probe.outcome, errno: probe.errno ?? '' }, 1);
  }
  gauge(registry, 'kcmp_build_info', 'The kcmp version (value 1).', ['version']).set(
    { version: state.version },
    1,
  );
}
