/**
 * The exporter meets clients that are not trusted: a flood of idle connections is capped (the oldest idle
 * one gives way) and a scrape is answered through it; silent and half-sent requests are dropped at their
 * deadline; wrong passwords queue up to a bound while known scrapers still get in; --web.config.file
 * brings HTTPS, client certificates and basic authentication (bcrypt), and a bad file is one line and
 * exit 2. Certificates are made here with the openssl CLI (those tests skip, saying so, without it).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import bcrypt from 'bcryptjs';
import { BasicAuth, MAX_PENDING } from '../src/serve/basic-auth.js';
import { metricsServer } from '../src/serve/http-endpoint.js';
import { type CliResult, runCli } from './helpers/cli.js';
import { runCliAsync } from './helpers/cli-async.js';
import { startExporter, waitFor } from './helpers/exporter.js';

const NO_OPENSSL =
  spawnSync('openssl', ['version']).status === 0 ? false : 'the openssl CLI is not installed';

interface AfterContext {
  after(fn: () => unknown): void;
}

function tempDir(t: AfterContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'kcmp-web-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A process of ours for the exporter to scan. */
function target(t: AfterContext): string {
  const sleeper = spawn('sleep', ['300'], { stdio: 'ignore' });
  t.after(() => sleeper.kill('SIGKILL'));
  return String(sleeper.pid);
}

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
}

/** In `dir`: a CA (ca.crt), and the server (127.0.0.1) and client certificates it signed, with keys. */
function certificates(dir: string): void {
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=CA',
  ]);
  for (const [name, extension] of [
    ['server', 'subjectAltName=IP:127.0.0.1'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ]) {
    openssl(dir, ['req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    writeFileSync(join(dir, `${name}.ext`), `${extension}\n`);
    const sign = ['-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1'];
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      ...sign,
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  }
}

interface Answer {
  status: number;
  authenticate: string | undefined;
  body: string;
}

/** GET https://127.0.0.1:PORT/metrics, trusting the test CA, with basic auth `user:password` and the client
 * certificate if asked. */
function httpsGet(
  dir: string,
  port: number,
  options: { auth?: string; client?: boolean } = {},
): Promise<Answer> {
  const file = (name: string) => readFileSync(join(dir, name));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        agent: false,
        ca: file('ca.crt'),
        ...(options.auth === undefined ? {} : { auth: options.auth }),
        ...(options.client ? { cert: file('client.crt'), key: file('client.key') } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          body += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, authenticate: res.headers['www-authenticate'], body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function hash(password: string): string {
  return bcrypt.hashSync(password, 4); // the lowest cost: these tests check who gets in, not bcrypt's speed
}

/** Opens `n` TCP connections to 127.0.0.1:port that send `text` (nothing by default) and then idle. */
async function idleConnections(t: AfterContext, port: number, n: number, text = ''): Promise<Socket[]> {
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => {
            if (text) socket.write(text);
            resolve(socket);
          });
          socket.on('error', () => resolve(socket)); // closed by the exporter: what the cap does
        }),
    ),
  );
  t.after(() => {
    for (const socket of sockets) socket.destroy();
  });
  return sockets;
}

test('exporter: a flood of idle connections is capped, and a scrape is answered through it', async (t) => {
  const e = await startExporter(t, ['-p', target(t), '--interval', '0.2', '--max-connections', '16']);
  await waitFor('a scan', () => e.value('kcmp_scans_total'));
  const pid = e.child.pid as number;
  const fdsBefore = readdirSync(`/proc/${pid}/fd`).length;
  await idleConnections(t, e.port, 150);
  await idleConnections(t, e.port, 150, 'GET /metrics HTTP/1.1\r\nHost: x\r\n'); // half a request each
  const scrape = await e.scrape();
  assert.equal(scrape.status, 200, 'the scrape got its answer');
  const fdsDuring = readdirSync(`/proc/${pid}/fd`).length;
  assert.ok(fdsDuring <= fdsBefore + 16 + 2, `${fdsDuring - fdsBefore} more fds with 300 connections open`);
  await waitFor('a scan after the flood', async () => {
    const n = await e.value('kcmp_scans_total');
    return n !== undefined && n >= 3 ? n : undefined;
  });
  assert.doesNotMatch(e.stderr(), /scan failed/);
});

test('exporter: --max-connections keeps half the open-file limit for scans, and says so', () => {
  const lowLimit = ['sh', '-c', 'ulimit -n 256 && exec "$0" "$@"'];
  const r = runCli(['exporter', '-p', String(process.pid), '--max-connections', '200'], {
    wrapper: lowLimit,
  });
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^kcmp: invalid --max-connections 200: the open-file limit \(RLIMIT_NOFILE\) is 256 and half of it stays for scans, so at most 128; raise the limit [^\n]*\n$/,
  );
  for (const bad of ['0', '10001', 'many']) {
    const b = runCli(['exporter', '-p', String(process.pid), '--max-connections', bad]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /^kcmp: invalid --max-connections "[^"]*": expected a number from 1 to 10000\n$/);
  }
});

test('endpoint: a silent connection and a half-sent request are dropped at the headers deadline', async (t) => {
  const server = metricsServer(() => Promise.resolve('x 1\n'), {
    maxConnections: 8,
    web: {},
    timeouts: { headers: 300, request: 300 },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const started = Date.now();
  const closedAfter = (socket: Socket) =>
    new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  const [silent, half] = [
    ...(await idleConnections(t, port, 1)),
    ...(await idleConnections(t, port, 1, 'GET /metrics HTTP/1.1\r\nHost: x\r\n')),
  ] as [Socket, Socket];
  silent.resume();
  half.resume();
  for (const ms of await Promise.all([closedAfter(silent), closedAfter(half)])) {
    assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
  }
});

test('basic auth: wrong passwords wait in a bounded queue, and a known scraper still gets in at once', async () => {
  const auth = new BasicAuth(new Map([['prom', bcrypt.hashSync('right', 8)]]));
  const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;
  assert.equal(await auth.check(basic('prom:right')), 'allowed');
  const attempts = Array.from({ length: 20 }, (_, i) => auth.check(basic(`prom:wrong${i}`)));
  assert.equal(await auth.check(basic('prom:right')), 'allowed', 'remembered: no bcrypt, no queue');
  const outcomes = await Promise.all(attempts);
  assert.equal(outcomes.filter((o) => o === 'busy').length, 20 - MAX_PENDING);
  assert.equal(outcomes.filter((o) => o === 'denied').length, MAX_PENDING);
  assert.equal(await auth.check(basic('nobody:right')), 'denied');
  assert.equal(await auth.check('Bearer x'), 'denied');
  assert.equal(await auth.check(undefined), 'denied');
});

test('exporter --web.config.file: HTTPS with basic authentication', { skip: NO_OPENSSL }, async (t) => {
  const dir = tempDir(t);
  certificates(dir);
  const config = join(dir, 'web.yml');
  // Relative paths: from the file's directory, as the exporter toolkit reads them.
  writeFileSync(
    config,
    `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: ${hash('s3cret')}\n`,
  );
  const e = await startExporter(t, ['-p', target(t), '--interval', '0.2', '--web.config.file', config]);
  assert.match(e.stderr(), /listening on https:\/\/127\.0\.0\.1:\d+\/metrics \(basic authentication\)/);
  const none = await httpsGet(dir, e.port);
  assert.equal(none.status, 401);
  assert.match(none.authenticate ?? '', /^Basic /);
  assert.equal((await httpsGet(dir, e.port, { auth: 'prom:wrong' })).status, 401);
  assert.equal((await httpsGet(dir, e.port, { auth: 'other:s3cret' })).status, 401);
  const right = await waitFor('a scan', async () => {
    const a = await httpsGet(dir, e.port, { auth: 'prom:s3cret' });
    return a.status === 200 ? a : undefined;
  });
  assert.match(right.body, /^kcmp_scans_total \d+$/m);
  const plain = await fetch(`http://127.0.0.1:${e.port}/metrics`).then(
    (r) => r.status,
    () => 'refused',
  );
  assert.equal(plain, 'refused', 'no plain HTTP on the TLS port');
});

test('exporter --web-config: RequireAndVerifyClientCert lets in only clients the CA signed', {
  skip: NO_OPENSSL,
}, async (t) => {
  const dir = tempDir(t);
  certificates(dir);
  const config = join(dir, 'web.yml');
  writeFileSync(
    config,
    'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n' +
      '  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n',
  );
  const e = await startExporter(t, ['-p', target(t), '--interval', '0.2', '--web-config', config]);
  await assert.rejects(httpsGet(dir, e.port), 'a client without a certificate is refused in the handshake');
  const signed = await waitFor('a scan', async () => {
    const a = await httpsGet(dir, e.port, { client: true });
    return a.status === 200 ? a : undefined;
  });
  assert.match(signed.body, /^kcmp_scans_total \d+$/m);
});

test('exporter --web.config.file: a bad file is one line naming what is wrong, exit 2', {
  skip: NO_OPENSSL,
}, async (t) => {
  const dir = tempDir(t);
  certificates(dir);
  const tls = 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n';
  const cases: [string, string | null, RegExp][] = [
    ['missing.yml', null, /cannot read --web\.config\.file \S+missing\.yml: open: ENOENT/],
    ['yaml.yml', 'a: [\n', /invalid --web\.config\.file \S+: not YAML: /],
    ['key.yml', `${tls}  min_version: TLS13\n`, /tls_server_config: "min_version" is not supported/],
    ['top.yml', 'http_server_config:\n  http2: true\n', /the file: "http_server_config" is not supported/],
    ['hash.yml', 'basic_auth_users:\n  prom: s3cret\n', /basic_auth_users\.prom: not a bcrypt hash/],
    ['mismatch.yml', tls.replace('server.key', 'client.key'), /tls_server_config: [^\n]*key values mismatch/],
    [
      'cert.yml',
      tls.replace('server.crt', 'nope.crt'),
      /cannot read tls_server_config\.cert_file \S+nope\.crt/,
    ],
    ['ca.yml', `${tls}  client_ca_file: ca.crt\n`, /client_ca_file goes with client_auth_type Require/],
    ['type.yml', `${tls}  client_auth_type: RequestClientCert\n`, /"RequestClientCert" is not supported/],
  ];
  for (const [name, text] of cases) if (text !== null) writeFileSync(join(dir, name), text);
  const runs = await Promise.all(
    cases.map(([name]) =>
      runCliAsync(['exporter', '-p', String(process.pid), '--web.config.file', join(dir, name)]),
    ),
  );
  for (const [i, [name, , expected]] of cases.entries()) {
    const r = runs[i] as CliResult;
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.split('\n').length, 2, `${name}: one line: ${r.stderr}`);
    assert.match(r.stderr, expected, name);
  }
});
