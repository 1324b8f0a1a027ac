/** Which subcommands a command line registers: each one's modules load only when it is registered. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMANDS, commandsFor } from '../src/cli/commands.js';

test('commandsFor: the named subcommand only, none for --version alone, all for help and completion', async () => {
  const all = Object.keys(COMMANDS).length;
  assert.equal((await commandsFor(['fds', '-p', '1'])).length, 1);
  assert.deepEqual(await commandsFor(['--version']), []);
  assert.deepEqual(await commandsFor(['-V']), []);
  assert.equal(
    (await commandsFor(['--version', '--help'])).length,
    all,
    '--help with it lists every command',
  );
  assert.equal((await commandsFor(['--help'])).length, all);
  assert.equal((await commandsFor(['completion', 'bash'])).length, all);
});
