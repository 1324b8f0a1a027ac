/**
 * The container image, built and run as the DaemonSet runs it (`npm run test:container`; not part of
 * `npm test`: building takes a minute or more, the base image a few more the first time). It builds the
 * image with deploy/container/build-image.sh and runs it with podman exactly as
 * deploy/kubernetes/daemonset.yaml asks: the host's PID namespace, all capabilities dropped but the four it
 * adds, its seccomp profile, no privilege escalation, a read-only root, uid 0 and its memory and CPU
 * limits. Inside, `kcmp doctor` must find kcmp usable on the host's processes, and the exporter, started
 * with the DaemonSet's arguments on a fixture tree of the host and its web configuration (the Secret's
 * files, made as docs/exporter.md says: a self-signed certificate, a bcrypt password) mounted read-only
 * where the DaemonSet mounts it, is scraped over HTTPS with basic authentication from the host through the
 * published port. Skips, saying why, without root, podman, runc or openssl.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import bcrypt from 'bcryptjs';
import { mkfds } from '../fixture/mkfds.js';
import { sampleValue, waitFor } from '../helpers/exporter.js';
import { DEPLOY, daemonSet } from '../helpers/manifests.js';
import { ROOT } from '../helpers/schema.js';

/** podman as it runs on these machines: runc and cgroupfs (crun refuses hybrid cgroups). */
const PODMAN = ['podman', '--runtime', 'runc', '--cgroup-manager=cgroupfs'];
/** RLIMIT_NOFILE and NPROC given explicitly: the runtime's defaults may exceed what this root may set. */
const HERE = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

function missing(): string | false {
  if (process.getuid?.() !== 0) return 'the image is built and run by root (mmdebstrap, rootful podman)';
  for (const tool of ['podman', 'runc']) {
    if (spawnSync(tool, ['--version']).status !== 0)
      return `${tool} is not installed (Debian: apt-get install ${tool})`;
  }
  return false;
}

function podman(
  args: string[],
  timeout = 120_000,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PODMAN[0] as string, [...PODMAN.slice(1), ...args], { encoding: 'utf8', timeout });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** `podman run` options that give the container what the DaemonSet's pod and container ask for. */
function asTheDaemonSetRunsIt(): string[] {
  const { ds, exporter } = daemonSet();
  const pod = ds.spec?.template.spec;
  const sc = exporter.securityContext;
  const profile = pod?.securityContext?.seccompProfile;
  assert.equal(profile?.type, 'Localhost');
  // The kubelet reads localhostProfile under its seccomp directory; the profile ships as this file.
  const seccomp = join(
    DEPLOY,
    'kubernetes',
    'seccomp',
    (profile?.localhostProfile ?? '').replace(/^profiles\//, ''),
  );
  const memory = /^(\d+)Mi$/.exec(String(exporter.resources?.limits?.memory))?.[1];
  const cpu = /^(\d+)m$/.exec(String(exporter.resources?.limits?.cpu))?.[1];
  assert.ok(memory && cpu, 'limits in Mi and millicores');
  assert.equal(pod?.hostPID, true);
  assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
  assert.equal(sc?.privileged, false);
  assert.equal(sc?.allowPrivilegeEscalation, false);
  assert.equal(sc?.readOnlyRootFilesystem, true);
  return [
    ...HERE,
    '--pid=host',
    '--cap-drop=ALL',
    ...(sc?.capabilities?.add ?? []).map((c) => `--cap-add=${c}`),
    `--security-opt=seccomp=${seccomp}`,
    '--security-opt=no-new-privileges',
    // A read-only root as Kubernetes makes it: podman would add writable tmpfs on /tmp, /var/tmp, /run.
    '--read-only',
    '--read-only-tmpfs=false',
    `--user=${sc?.runAsUser ?? 0}`,
    `--memory=${memory}m`,
    `--cpus=${Number(cpu) / 1000}`,
  ];
}

/** The Secret the DaemonSet mounts, as files in a directory: a self-signed certificate for 127.0.0.1 and
 * the web configuration (TLS, basic authentication), made as docs/exporter.md says. */
function webSecret(t: TestContext, password: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-image-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = spawnSync(
    'openssl',
    [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
      ],
      ...['-subj', '/CN=kcmp-exporter', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', 'tls.key', '-out', 'tls.crt'],
    ],
    { cwd: dir, encoding: 'utf8' },
  );
  assert.equal(cert.status, 0, cert.stderr);
  const hash = bcrypt.hashSync(password, 4); // the lowest cost: the check is who gets in, not bcrypt's speed
  writeFileSync(
    join(dir, 'web-config.yml'),
    `tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: ${hash}\n`,
  );
  // The Secret's defaultMode: read by root only.
  for (const f of ['web-config.yml', 'tls.crt', 'tls.key']) chmodSync(join(dir, f), 0o400);
  return dir;
}

/** GET https://127.0.0.1:PORT/metrics, trusting the self-signed certificate, as user prometheus. */
function scrape(port: number, ca: string, password: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/metrics', ca, auth: `prometheus:${password}`, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject).on('timeout', () => req.destroy(new Error('timed out')));
    req.end();
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(typeof address === 'object' && address !== null);
  return address.port;
}

test('the image builds, and runs kcmp doctor and the exporter as the DaemonSet does, scraped from the host', {
  skip: missing(),
  timeout: 20 * 60_000,
}, async (t) => {
  const started = performance.now();
  const built = spawnSync(join(ROOT, 'deploy', 'container', 'build-image.sh'), [], {
    encoding: 'utf8',
    timeout: 15 * 60_000,
  });
  assert.equal(built.status, 0, `build-image.sh: ${built.stderr.slice(-3000)}`);
  const tag = built.stdout.trim();
  const { exporter } = daemonSet();
  assert.equal(tag, exporter.image, 'the DaemonSet names the image the script tags');
  t.diagnostic(`image ${tag} built in ${Math.round((performance.now() - started) / 1000)} s`);
  const run = asTheDaemonSetRunsIt();

  const doctor = podman(['run', '--rm', '--network=none', ...run, tag, 'doctor', '--json']);
  assert.equal(doctor.status, 0, doctor.stderr);
  const report = JSON.parse(doctor.stdout);
  assert.equal(report.capabilities.kcmp.outcome, 'usable', 'kcmp works under the profile and capabilities');
  assert.equal(report.capabilities.pidfdGetfd.outcome, 'usable');
  assert.equal(report.pidNamespace.initial, true, "the host's PID namespace");
  assert.equal(report.seccomp.filters > 0, true, 'the profile is in force');
  assert.equal(report.seccomp.noNewPrivs, true);
  assert.deepEqual([...report.user.capEff].sort(), ['bpf', 'dac_read_search', 'perfmon', 'sys_ptrace']);

  // The exporter with the DaemonSet's arguments, on a fixture tree of the host (not every process here).
  const f = await mkfds(t, 'leaky');
  if (!f) return;
  const name = `kcmp-test-${process.pid}`;
  const port = await freePort();
  const containerPort = exporter.ports?.[0]?.containerPort;
  const args = [...(exporter.args ?? []), '--tree', String(f.pids.main), '--interval', '1'];
  const config = args[args.indexOf('--web.config.file') + 1] ?? '';
  const mount = exporter.volumeMounts?.find((m) => config.startsWith(`${m.mountPath}/`));
  assert.ok(mount?.readOnly, 'the DaemonSet mounts its web configuration read-only');
  const password = 's3cret';
  const secret = webSecret(t, password);
  t.after(() => podman(['rm', '--force', '--time=0', name]));
  const detached = podman([
    'run',
    '--detach',
    `--name=${name}`,
    `--publish=127.0.0.1:${port}:${containerPort}`,
    `--volume=${secret}:${mount.mountPath}:ro`,
    ...run,
    tag,
    ...args,
  ]);
  assert.equal(detached.status, 0, detached.stderr);
  const ca = readFileSync(join(secret, 'tls.crt'), 'utf8');
  const body = await waitFor('a scan served on the published port', async () => {
    try {
      const res = await scrape(port, ca, password);
      return res.status === 200 && (sampleValue(res.body, 'kcmp_scans_total') ?? 0) >= 1
        ? res.body
        : undefined;
    } catch {
      return undefined; // not listening yet
    }
  });
  assert.equal((await scrape(port, ca, 'wrong')).status, 401, 'a wrong password is refused');
  assert.match(body, /^kcmp_capability_usable\{call="kcmp"\} 1$/m);
  assert.equal(sampleValue(body, 'kcmp_scan_processes'), 2, "the fixture's two host processes");
  assert.match(body, /^kcmp_leaked_fds\{group="[^"]*",kind="listening-socket",case="exec"\} 1$/m);
  assert.match(body, /^kcmp_leaked_fds\{group="[^"]*",kind="pipe-write-end",case="exec"\} 1$/m);
  const logs = podman(['logs', name]);
  assert.match(logs.stderr + logs.stdout, /listening on https:\/\/0\.0\.0\.0:9848\/metrics/);
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  assert.match(body, new RegExp(`^kcmp_build_info\\{version="${version.replaceAll('.', '\\.')}"\\} 1$`, 'm'));
  t.diagnostic(`built, run and scraped in ${Math.round((performance.now() - started) / 1000)} s`);
});
