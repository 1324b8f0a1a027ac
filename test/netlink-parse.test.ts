/**
 * The pure parts of src/netlink: inet address text, /proc/PID/net table lines, UNIX names and the NAME of
 * a socket, on inputs whose answers are known (the kernel's own formats, copied from a live system).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4, ipv6 } from '../src/netlink/inet-address.js';
import { HOST_LITTLE } from '../src/netlink/messages.js';
import { parseProcNet } from '../src/netlink/proc-net.js';
import { socketName } from '../src/netlink/socket-info.js';
import { parseUnix, unixPath } from '../src/netlink/unix-diag.js';

const bytes = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

test('IPv6 addresses in their RFC 5952 form', () => {
  const cases: [string, string][] = [
    ['00000000000000000000000000000001', '::1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000000000000000001', 'fe80::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['00000000000000000000ffff7f000001', '::ffff:127.0.0.1'],
    ['20010db8000100020003000400050006', '2001:db8:1:2:3:4:5:6'],
  ];
  for (const [hex, text] of cases) assert.equal(ipv6(bytes(hex)), text, hex);
  assert.equal(ipv4(bytes('7f000001')), '127.0.0.1');
});

test('/proc/net/tcp, tcp6 and unix lines', (t) => {
  if (!HOST_LITTLE) return t.skip('the sample lines are from a little-endian machine');
  const tcp =
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n' +
    '   1: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4243 1 0 20 4 30 10 -1\n';
  const [listener, client] = parseProcNet('tcp', tcp, 7);
  assert.deepEqual(listener, {
    ino: 4242,
    protocol: 'TCP',
    state: 'LISTEN',
    local: { address: '127.0.0.1', port: 8080 },
    netns: 7,
    source: 'procfs',
  });
  assert.equal(client && socketName(client), 'TCP 127.0.0.1:40000->127.0.0.1:8080 (ESTABLISHED)');
  const tcp6 =
    '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
    '   0: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 99 1 0 100 0 0 10 0\n';
  assert.equal(parseProcNet('tcp6', tcp6, 7).map(socketName)[0], 'TCPv6 [::1]:53 (LISTEN)');
  const unix =
    'Num       RefCount Protocol Flags    Type St Inode Path\n' +
    '0000000000000000: 00000002 00000000 00010000 0001 01 31337 /run/x.sock\n' +
    '0000000000000000: 00000003 00000000 00000000 0001 03 31338 @abstract\n' +
    '0000000000000000: 00000003 00000000 00000000 0002 03 31339\n';
  assert.deepEqual(parseProcNet('unix', unix, 7).map(socketName), [
    'UNIX-STREAM /run/x.sock (LISTEN)',
    'UNIX-STREAM @abstract',
    'UNIX-DGRAM',
  ]);
});

test('UNIX names: a path up to its NUL, an abstract name after its leading NUL', () => {
  assert.equal(unixPath(new TextEncoder().encode('/run/x.sock\0junk')), '/run/x.sock');
  assert.equal(unixPath(new TextEncoder().encode('\0kcmp\0demo')), '@kcmp@demo');
});

const bigEndian = !HOST_LITTLE && 'a big-endian host: the bytes below are written little-endian';

test('a unix_diag message: its name and peer among other attributes; a truncated one ends them', {
  skip: bigEndian,
}, () => {
  // struct unix_diag_msg: family AF_UNIX, type SOCK_STREAM, state TCP_ESTABLISHED (1), pad, ino 7, cookie
  const header = [1, 1, 1, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  // nlattr { u16 len, u16 type } + data, each padded to 4: UNIX_DIAG_PEER (2) 9, UNIX_DIAG_VFS (1), NAME (0)
  const peer = [8, 0, 2, 0, 9, 0, 0, 0];
  const vfs = [12, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
  const name = [9, 0, 0, 0, ...new TextEncoder().encode('/x\0\0\0'), 0, 0, 0];
  const message = (...parts: number[][]) => new DataView(Uint8Array.from(parts.flat()).buffer);
  const socket = parseUnix(message(header, peer, vfs, name), 4026531840);
  assert.deepEqual([socket.ino, socket.protocol, socket.path, socket.peer], [7, 'UNIX-STREAM', '/x', 9]);
  // a length past the end: that attribute and any after it are not read
  const cut = parseUnix(message(header, peer, [64, 0, 1, 0], name), 4026531840);
  assert.deepEqual([cut.peer, cut.path], [9, undefined]);
});
