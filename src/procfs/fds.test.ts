/** Reading fds: st_dev decoding, fdinfo parsing and flags, kinds, and FdDir against node:fs. */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { test } from 'node:test';
import { accessOf } from './fd-access.js';
import { FdDir } from './fd-dir.js';
import { accessMode, flagNames, parseFdInfo } from './fdinfo.js';
import { formatDev } from './fds.js';
import { kindNeedsFsMagic, kindOf } from './kinds.js';

test('formatDev decodes glibc makedev, small and large numbers', () => {
  assert.equal(formatDev(0x0fe00), '254:0');
  assert.equal(formatDev(0x10), '0:16');
  // major 0x1234, minor 0x56789: minor low byte | minor high bits << 12, major low 12 bits << 8, rest << 32
  const major = 0x1234;
  const minor = 0x56789;
  const dev =
    (minor & 0xff) + ((major & 0xfff) << 8) + (minor & ~0xff) * 2 ** 12 + (major & ~0xfff) * 2 ** 32;
  assert.equal(formatDev(dev), `${major}:${minor}`);
});

test('parseFdInfo reads pos, flags without O_CLOEXEC, the cloexec bit, mnt_id and ino', () => {
  const info = parseFdInfo('pos:\t5\nflags:\t02100002\nmnt_id:\t27\nino:\t2147714\nlock:\t1: POSIX\n');
  assert.deepEqual(info, { pos: 5, flags: 0o100002, cloexec: true, mntId: 27, ino: '2147714' });
  assert.equal(parseFdInfo('pos:\t0\nflags:\t02\nmnt_id:\t1\n').ino, undefined, 'older kernels: no ino line');
  assert.equal(accessMode(info.flags), 'rw');
  assert.equal(accessMode(0o10000000), '-');
  assert.equal(flagNames(0o104001, false), 'nonblock');
  assert.equal(flagNames(0o2001, true), 'append,cloexec');
  assert.equal(flagNames(0o4010001, false), 'sync', 'O_SYNC includes O_DSYNC');
});

test('kindOf: st_mode first, anon inodes by their link name', () => {
  assert.equal(kindOf(0o100644, '/etc/passwd').name, 'REG');
  assert.equal(kindOf(0o140777, 'socket:[1]').name, 'SOCK');
  assert.equal(kindOf(0o140777, 'socket:[1]').oneIoDescriptionPerInode, true);
  assert.equal(kindOf(0o10600, 'pipe:[2]').name, 'FIFO');
  assert.equal(kindOf(0o600, 'anon_inode:[eventfd]').name, 'eventfd');
  assert.equal(kindOf(0o600, 'anon_inode:inotify').name, 'inotify');
  assert.equal(kindOf(0o700, 'anon_inode:[pidfd]').name, 'pidfd');
  assert.equal(kindOf(0o600, 'anon_inode:[something-new]').name, 'UNKNOWN');
  assert.equal(kindOf(0o600, 'anon_inode:[eventfd]').oneIoDescriptionPerInode, undefined);
});

test("kindOf: the kernel's names and suffixes, lsfd's TYPE names, kinds known by their filesystem", () => {
  assert.equal(kindOf(0o600, 'anon_inode:bpf_link').name, 'bpf-link');
  assert.equal(kindOf(0o600, 'anon_inode:bpf-map').name, 'bpf-map');
  assert.equal(kindOf(0o600, 'anon_inode:bpf_iter').name, 'bpf_iter');
  assert.equal(kindOf(0o600, 'anon_inode:kvm-vcpu:0').name, 'kvm-vcpu');
  assert.equal(kindOf(0o600, 'anon_inode:kvm-vcpu:17').name, 'kvm-vcpu');
  assert.equal(kindOf(0o600, 'anon_inode:kvm-vcpu-stats:3').name, 'kvm-vcpu-stats');
  assert.equal(kindOf(0o600, 'anon_inode:kvm-vm').name, 'kvm-vm');
  assert.equal(kindOf(0o120000, '/tmp/link').name, 'LINK');
  assert.equal(kindOf(0o100600, '/q (deleted)', 0x19800202).name, 'mqueue');
  assert.equal(kindOf(0o100600, '/secretmem (deleted)', 0x5345434d).name, 'memfd_secret');
  assert.equal(kindOf(0o100600, '/secretmem (deleted)').name, 'REG', 'no magic read: REG');
  assert.equal(kindOf(0o40700, '/dev/mqueue', 0x19800202).name, 'DIR', 'only S_IFREG files are mqueues');
  assert.equal(kindNeedsFsMagic(0o100600, 0), true);
  assert.equal(kindNeedsFsMagic(0o100600, 254), false, 'a disk file is never one');
  assert.equal(kindNeedsFsMagic(0o20666, 0), false);
});

test('accessOf: an fd link without r/w bits is O_PATH or access mode 3', () => {
  assert.equal(accessOf(0o120700), 'io');
  assert.equal(accessOf(0o120500), 'io');
  assert.equal(accessOf(0o120300), 'io');
  assert.equal(accessOf(0o120000), 'none');
});

test('FdDir: statx/readlinkat through the directory fd agree with node:fs; every call answers 0 or the errno', () => {
  const fd = openSync('/proc/self/status', 'r');
  try {
    const dir = new FdDir(process.pid);
    try {
      const st = fstatSync(fd);
      assert.equal(dir.stat(fd), 0);
      assert.deepEqual([dir.dev, dir.ino, dir.mode], [st.dev, st.ino, st.mode]);
      assert.equal(dir.holds(st.dev, st.ino), true);
      assert.equal(dir.holds(st.dev, st.ino + 1), false, 'the number now names another file');
      assert.equal(dir.readlink(fd), 0);
      assert.match(dir.name, /^\/proc\/\d+\/status$/);
      assert.equal(dir.statLink(fd), 0);
      assert.equal(dir.linkMode & 0o170000, 0o120000, 'the link itself');
      assert.equal(dir.stat(99_999), 2, 'ENOENT');
      assert.equal(dir.readlink(99_999), 2, 'ENOENT, not an empty name');
      assert.equal(dir.statLink(99_999), 2, 'ENOENT');
    } finally {
      dir.close();
    }
  } finally {
    closeSync(fd);
  }
});
