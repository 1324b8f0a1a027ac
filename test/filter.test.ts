/**
 * The -Q/-C expression language (src/report/filter*.ts) against a table of expressions and the rows each
 * must keep, its errors (one line, pointing at the offending token), and `kcmp fds -Q/-C/--summary` on a
 * real fixture.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileFilter } from '../src/report/filter.js';
import { FilterSyntaxError } from '../src/report/filter-parse.js';
import type { Columns } from '../src/report/table.js';
import { mkfds } from './fixture/mkfds.js';
import { rawRows, runCli } from './helpers/cli.js';

interface Row {
  id: string;
  pid: number;
  type: string;
  name: string;
  listening: boolean | null;
  port: number | null;
}

const ROWS: Row[] = [
  { id: 'a', pid: 10, type: 'SOCK', name: 'TCP 127.0.0.1:80 (LISTEN)', listening: true, port: 80 },
  { id: 'b', pid: 11, type: 'SOCK', name: 'UNIX-STREAM /run/x.sock', listening: false, port: null },
  { id: 'c', pid: 11, type: 'FIFO', name: 'pipe:[7]', listening: null, port: null },
  { id: 'd', pid: 200, type: 'REG', name: '/var/log/a b.log', listening: null, port: null },
];

const COLUMNS: Columns<Row> = {
  PID: { help: '', json: 'number', get: (r) => r.pid },
  TYPE: { help: '', json: 'string', get: (r) => r.type },
  NAME: { help: '', json: 'string', get: (r) => r.name },
  'SOCK.LISTENING': { help: '', json: 'boolean', get: (r) => r.listening },
  'INET.LPORT': { help: '', json: 'number', get: (r) => r.port },
};

const CASES: [string, string][] = [
  ['PID == 11', 'bc'],
  ['pid == 11', 'bc'],
  ['PID != 11', 'ad'],
  ['PID < 11', 'a'],
  ['PID <= 11', 'abc'],
  ['PID > 11', 'd'],
  ['PID >= 11', 'bcd'],
  ['PID eq 10 or PID gt 100', 'ad'],
  ['PID == "11"', 'bc'],
  ['PID < 100', 'abc'],
  ["TYPE == 'SOCK'", 'ab'],
  ['TYPE != "SOCK"', 'cd'],
  ['TYPE < "REG"', 'c'],
  ['NAME =~ "^TCP .*LISTEN"', 'a'],
  ['NAME !~ "^(TCP|UNIX)"', 'cd'],
  ['NAME == "/var/log/a b.log"', 'd'],
  ['NAME == "pipe:[7]"', 'c'],
  ['SOCK.LISTENING', 'a'],
  ['SOCK.LISTENING == true', 'a'],
  ['SOCK.LISTENING == false', 'b'],
  ['!SOCK.LISTENING', 'bcd'],
  ['not SOCK.LISTENING and TYPE == "SOCK"', 'b'],
  ['INET.LPORT == 80', 'a'],
  ['INET.LPORT != 80', 'bcd'],
  ['INET.LPORT', 'a'],
  ['TYPE == "SOCK" && PID == 11 || TYPE == "REG"', 'bd'],
  ['TYPE == "SOCK" && (PID == 11 || TYPE == "REG")', 'b'],
  ['not (PID == 10 or PID == 11)', 'd'],
  ['! ! (PID == 10)', 'a'],
  ['true', 'abcd'],
  ['false or PID == 200', 'd'],
  ['PID == 0x0a', 'a'],
  ['PID == 1e1', 'a'],
  ['PID == 10.0', 'a'],
];

for (const [expression, expected] of CASES) {
  test(`filter ${expression} keeps ${expected}`, () => {
    const filter = compileFilter(expression, COLUMNS);
    assert.equal(
      ROWS.filter((r) => filter.test(r))
        .map((r) => r.id)
        .join(''),
      expected,
    );
  });
}

const ERRORS: [string, number, RegExp][] = [
  ['PID ==', 7, /expected a column, a string or a number, found end of expression/],
  ['PID == 1 )', 10, /expected an operator/],
  ['(PID == 1', 10, /expected "\)"/],
  ['PIDS == 1', 1, /unknown column "PIDS"/],
  ['NAME == "abc', 9, /unterminated string/],
  ['NAME =~ "("', 9, /invalid regular expression/],
  ['PID == 1 and', 13, /found end of expression/],
  ['PID = 1', 5, /unexpected character "="/],
  ['PID == 1 PID == 2', 10, /expected an operator/],
  [
    'PID == 1e999',
    8,
    /number 1e999 is out of range \(numbers are compared exactly up to ±9007199254740991\)/,
  ],
  ['PID == -1e999', 8, /number -1e999 is out of range/],
  ['PID == 9007199254740993', 8, /number 9007199254740993 is out of range/],
  ['PID == 1e-999', 8, /number 1e-999 is out of range/],
  ['PID == 12abc', 8, /invalid number "12abc" \(quote a string: "12abc"\)/],
];

for (const [expression, at, reason] of ERRORS) {
  test(`filter ${expression} fails at character ${at}`, () => {
    assert.throws(
      () => compileFilter(expression, COLUMNS),
      (error: unknown) =>
        error instanceof FilterSyntaxError &&
        error.at === at - 1 &&
        reason.test(error.message) &&
        !error.message.includes('\n'),
    );
  });
}

test('a filter reports the columns it reads, shown or not', () => {
  assert.deepEqual(compileFilter('INET.LPORT == 80 or name =~ "x"', COLUMNS).columns.sort(), [
    'INET.LPORT',
    'NAME',
  ]);
});

test('kcmp fds -Q keeps matching rows in the table and JSON; -C and --summary count them', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const pids = `${main},${child}`;
  // a filter on a column that is not shown, whose source (sock_diag) is read only for it
  const listening = rawRows(['fds', '-p', pids, '-o', 'PID,FD', '-Q', 'SOCK.STATE == "LISTEN"']);
  assert.deepEqual(listening, [
    [String(main), String(f.fds.listener)],
    [String(child), String(f.fds.listener)],
  ]);
  const json = runCli(['fds', '-p', pids, '--all', '-J', '-Q', `PID == ${child} and TYPE == 'CHR'`]);
  const report = JSON.parse(json.stdout) as { descriptions: { holders: { pid: number; fd: number }[] }[] };
  assert.deepEqual(
    report.descriptions.map((d) => d.holders.map((h) => `${h.pid}:${h.fd}`)),
    [[`${child}:${f.fds.pts}`]],
  );
  const summary = runCli([
    'fds',
    '-p',
    pids,
    '--all',
    '--summary=only',
    '-C',
    'listening:SOCK.LISTENING',
    '-C',
    'fifo:TYPE == "FIFO"',
  ]);
  assert.equal(summary.code, 0, summary.stderr);
  const lines = summary.stdout.split('\n');
  assert.deepEqual(
    lines.slice(0, 3).map((l) => l.trim().split(/\s+/)),
    [
      ['VALUE', 'COUNTER'],
      ['2', 'listening'],
      [lines[2]?.trim().split(/\s+/)[0] as string, 'fifo'],
    ],
  );
  assert.ok(Number(lines[2]?.trim().split(/\s+/)[0]) >= 4, 'the two ends of two pipes at least');
  const bad = runCli(['fds', '-p', pids, '-Q', 'PID == 1 )']);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /^kcmp: -Q: invalid expression: expected an operator .* at character 10: PID == 1 >>>\)\n$/,
  );
});

test('kcmp fds -Q on USER and CMDLINE: JSON and pictures read them as the table does', async (t) => {
  const f = await mkfds(t, 'peers');
  if (!f) return;
  const { main, child } = f.pids as Record<string, number>;
  const pids = `${main},${child}`;
  const me = new RegExp(`^${String(process.getuid?.() ?? 0)}$`);
  const table = rawRows([
    'fds',
    '-p',
    pids,
    '--all',
    '-o',
    'PID,UID',
    '-Q',
    `UID == ${process.getuid?.() ?? 0}`,
  ]);
  assert.ok(table.length > 0 && table.every((row) => me.test(row[1] ?? '')), 'the table keeps our rows');
  const json = runCli([
    'fds',
    '-p',
    pids,
    '--all',
    '-J',
    '-Q',
    `UID == ${process.getuid?.() ?? 0} and CMDLINE =~ 'mkfds'`,
  ]);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { descriptions: unknown[] };
  assert.ok(report.descriptions.length > 0, 'JSON keeps the descriptions whose holders match');
  const dot = runCli(['fds', '-p', pids, '--all', '--format', 'dot', '-Q', `CMDLINE =~ 'mkfds'`]);
  assert.equal(dot.code, 0, dot.stderr);
  assert.match(dot.stdout, /"desc-d\d+"|pid-\d+/, 'the picture keeps them too');
  assert.match(dot.stdout, new RegExp(`pid-${main}`));
});
