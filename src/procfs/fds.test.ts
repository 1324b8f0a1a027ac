/** Reading fds: st_dev decoding, fdinfo parsing and flags, kinds, and FdDir against node:fs. */
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync } from 'node:fs';
import { test } from 'node:test';
import { FdDir } from './fd-dir.js';
import { accessMode, flagNames, parseFdInfo } from './fdinfo.js';
import { formatDev } from './fds.js';
import { kindOf } from './kinds.js';

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

test('FdDir: statx/readlinkat through the directory fd agree with node:fs, and a closed fd is ENOENT', () => {
  const fd = openSync('/proc/self/status', 'r');
  try {
    const dir = new FdDir(process.pid);
    try {
      const st = fstatSync(fd);
      assert.equal(dir.stat(fd), undefined);
      assert.deepEqual([dir.dev, dir.ino, dir.mode], [st.dev, st.ino, st.mode]);
      assert.equal(dir.restat(fd, st.dev, st.ino), undefined);
      assert.equal(dir.restat(fd, st.dev, st.ino + 1), 'changed');
      assert.match(dir.readlink(fd), /^\/proc\/\d+\/status$/);
      assert.equal(dir.stat(99_999), 'ENOENT');
      assert.equal(dir.readlink(99_999), '');
    } finally {
      dir.close();
    }
  } finally {
    closeSync(fd);
  }
});
