/** The JSON type of each column, as `kcmp COMMAND -H -J` lists them (checked to be a JSON list of columns). */
import assert from 'node:assert/strict';
import { runCli } from './cli.js';

export function columnTypes(command: string): Map<string, string> {
  const r = runCli([command, '-H', '-J']);
  assert.equal(r.code, 0, r.stderr);
  const list = JSON.parse(r.stdout) as { name: string; type: string; help: string }[];
  assert.ok(list.length > 0, `${command} -H -J lists no column`);
  for (const c of list) {
    assert.match(c.name, /^[A-Z][A-Z.]*$/, JSON.stringify(c));
    assert.ok(['string', 'number', 'boolean'].includes(c.type), JSON.stringify(c));
    assert.ok(c.help.length > 0, JSON.stringify(c));
  }
  return new Map(list.map((c) => [c.name, c.type]));
}

/** Asserts each `field` of `object` has the type -H -J gives its column. */
export function assertTyped(
  object: object,
  fields: Record<string, string>,
  types: Map<string, string>,
): void {
  const values = object as Record<string, unknown>;
  for (const [column, field] of Object.entries(fields)) {
    assert.ok(types.has(column), `-H -J lists ${column}`);
    assert.equal(typeof values[field], types.get(column), `${column} as ${field}: ${JSON.stringify(object)}`);
  }
}
