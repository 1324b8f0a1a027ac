import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandLine } from './process-details.js';

const bytes = (text: string) => new TextEncoder().encode(text);

test('a title written over argv keeps its words; the NUL padding and blanks after it are trimmed', () => {
  assert.equal(commandLine(bytes(`postgres: checkpointer ${'\0'.repeat(110)}`)), 'postgres: checkpointer');
  assert.equal(commandLine(bytes(`nginx: worker process${' '.repeat(40)}`)), 'nginx: worker process');
  assert.equal(commandLine(bytes('sleep\x00100\x00')), 'sleep 100');
  assert.equal(commandLine(bytes('a\x00\x00b\x00')), 'a  b', 'an empty argument inside stays');
  assert.equal(commandLine(new Uint8Array(0)), '');
});
