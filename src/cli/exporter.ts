/**
 * `kcmp exporter [--listen ADDR:PORT] [-p PIDS | --tree PID] [--interval S] [--web.config.file FILE]
 * [--max-connections N]`: serves /metrics (Prometheus text or OpenMetrics) from scans that run in the
 * background every S seconds. Listens on loopback unless told otherwise; port 0 picks a free one. The
 * address it listens on is printed on stderr. SIGTERM or SIGINT ends it (exit 0) at once, mid-scan too.
 * The web configuration file (TLS, basic authentication) is read and checked before it listens.
 */
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { parseDecimal } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { openFileLimit } from '../procfs/limits.js';
import { assertProcPidsAreOurs } from '../procfs/namespaces.js';
import { selectProcesses } from '../procfs/select.js';
import { readWebConfig, WEB_CONFIG_FLAG } from '../serve/web-config.js';
import { EXIT } from './exit-codes.js';
import { type FleetFlags, fleetOptionsOf, withFleetOptions } from './fleet-options.js';
import { action, warn } from './run.js';

interface ExporterFlags extends FleetFlags {
  listen?: string;
  interval?: string;
  webConfig?: string;
  maxConnections?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:9848';
const DEFAULT_INTERVAL = '60';
/** Prometheus scrapes over one or two connections per server; probes and a person with curl add a few. */
const DEFAULT_MAX_CONNECTIONS = 64;
const LIMIT_MAX_CONNECTIONS = 10_000;
const MIN_INTERVAL = 0.01;
const MAX_INTERVAL = 86_400;

/** ADDR:PORT, [IPV6]:PORT or HOSTNAME:PORT. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]\s]+):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? '';
  const port = Number(match?.[2]);
  const hostOk = isIP(host) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host);
  if (!match || !hostOk || port > 65_535 || (text.startsWith('[') && isIP(host) !== 6)) {
    throw new InvalidArgumentError(
      `invalid --listen ${JSON.stringify(text)}: expected ADDR:PORT such as 127.0.0.1:9848 or [::1]:9848 (port 0: any free port)`,
    );
  }
  return { host, port };
}

function parseInterval(text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(seconds >= MIN_INTERVAL && seconds <= MAX_INTERVAL)) {
    throw new InvalidArgumentError(
      `invalid --interval ${JSON.stringify(text)}: expected seconds between scans, from ${MIN_INTERVAL} to ${MAX_INTERVAL}`,
    );
  }
  return seconds;
}

/**
 * Connections may take at most half the open-file limit (RLIMIT_NOFILE, the soft limit, which Node raised
 * to the hard one at its start): the other half stays for scans, which hold a directory fd per process and
 * a sock_diag socket per network namespace at once.
 */
function parseMaxConnections(text: string | undefined): number {
  const limit = openFileLimit();
  const allowed = Math.floor(limit.soft / 2);
  if (text === undefined) return Math.min(DEFAULT_MAX_CONNECTIONS, allowed);
  const max = parseDecimal(text);
  if (max === undefined || max < 1 || max > LIMIT_MAX_CONNECTIONS) {
    throw new InvalidArgumentError(
      `invalid --max-connections ${JSON.stringify(text)}: expected a number from 1 to ${LIMIT_MAX_CONNECTIONS}`,
    );
  }
  if (max > allowed) {
    throw new InvalidArgumentError(
      `invalid --max-connections ${max}: the open-file limit (RLIMIT_NOFILE) is ${limit.soft} and half of it stays for scans, so at most ${allowed}; raise the limit (LimitNOFILE= in a systemd unit, ulimit -n in a shell)`,
    );
  }
  return max;
}

function listenError(error: NodeJS.ErrnoException, listen: string): InvalidArgumentError {
  const why: Record<string, string> = {
    EADDRINUSE: 'the port is taken by another process; choose another port',
    EACCES: 'not permitted (ports below 1024 need CAP_NET_BIND_SERVICE); choose a port above 1023',
    EADDRNOTAVAIL: 'no interface has that address; use 127.0.0.1 or an address of this host',
    ENOTFOUND: 'the host name does not resolve; use an IP address',
  };
  const code = error.code ?? 'error';
  return new InvalidArgumentError(`cannot listen on ${listen}: ${code}: ${why[code] ?? error.message}`);
}

export function registerExporter(program: Command): void {
  withFleetOptions(program.command('exporter'))
    .summary('serve Prometheus/OpenMetrics /metrics from background scans')
    .description(
      'Scan the selected processes (default: all) every --interval seconds in a background thread, and ' +
        'serve the last completed scan at /metrics: fds, open file descriptions and shared ones by group ' +
        'and type, leaked fds, host files in containers, scan errors, and whether kcmp, pidfd_getfd and ' +
        'F_DUPFD_QUERY work here. Labels never carry a pid, fd, inode or path, and each label has at most ' +
        '--max-label-values values. Scans never overlap and never stop processes.',
    )
    // Defaults are said in the help text, not given to commander: it would print them a second time, and
    // the manual page (the help text alone) would leave them out.
    .option('--listen <addr:port>', `where to listen (default ${DEFAULT_LISTEN}; port 0: any free port)`)
    .option(
      '--interval <seconds>',
      `seconds from the end of one scan to the start of the next (default ${DEFAULT_INTERVAL})`,
    )
    .option(
      `${WEB_CONFIG_FLAG}, --web-config <file>`,
      'TLS and basic authentication, in the web configuration format of the Prometheus exporter toolkit',
    )
    .option(
      '--max-connections <n>',
      `connections held at once, the oldest idle one closed for a new one (default ${DEFAULT_MAX_CONNECTIONS}; at most half the open-file limit)`,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kcmp exporter                              on 127.0.0.1:9848, every minute\n' +
        '  kcmp exporter --listen 0.0.0.0:9848 --web.config.file /etc/kcmp/web-config.yml\n' +
        '  kcmp exporter --tree $(pgrep -o nginx) --group-by comm',
    )
    .action(
      action(async (flags: ExporterFlags) => {
        // From the start: a SIGTERM during start-up also ends it cleanly, once it is listening or failed.
        const terminated = new Promise<void>((resolve) => {
          process.once('SIGTERM', resolve);
          process.once('SIGINT', resolve);
        });
        const listen = flags.listen ?? DEFAULT_LISTEN;
        const { host, port } = parseListen(listen);
        const intervalMs = parseInterval(flags.interval ?? DEFAULT_INTERVAL) * 1000;
        const maxConnections = parseMaxConnections(flags.maxConnections);
        const web = flags.webConfig === undefined ? {} : readWebConfig(flags.webConfig);
        const options = fleetOptionsOf(flags);
        assertProcPidsAreOurs(); // refused now, not in every scan later
        selectProcesses(options.selection); // a bad named pid is one line now, not a failed scan later
        let crashed = false;
        // Imported here, not above: prom-client is a quarter of the bin, which --help need not load.
        const { Exporter } = await import('../serve/exporter.js');
        const exporter = new Exporter(
          options,
          intervalMs,
          { maxConnections, web },
          {
            onFailure: (reason, message) =>
              warn(`scan failed: ${reason}: ${message}, serving the previous scan`),
            onCrash: (error) => {
              crashed = true;
              warn(`the scan thread died: ${error.message} (please report it; --debug shows where)`);
              process.kill(process.pid, 'SIGTERM');
            },
          },
        );
        const address = await exporter.listen(host, port).catch((error: NodeJS.ErrnoException) => {
          throw listenError(error, listen);
        });
        const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        const scheme = web.tls ? 'https' : 'http';
        warn(
          `listening on ${scheme}://${shown}:${address.port}/metrics${web.users ? ' (basic authentication)' : ''}`,
        );
        await terminated;
        await exporter.close();
        return crashed ? EXIT.TROUBLE : EXIT.OK;
      }),
    );
}
