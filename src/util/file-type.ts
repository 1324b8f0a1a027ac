/** A file's type in words, for a message that refuses it: "a character device", "a symbolic link". */
import type { Stats } from 'node:fs';

export function fileTypeWords(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return `a file of mode ${st.mode.toString(8)}`;
}
