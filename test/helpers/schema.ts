/** Validates a report's JSON against the schema the package ships for it (schemas/), with ajv. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ajv = new Ajv({ allErrors: true, strict: true });

export function assertValid(schemaName: string, stdout: string): void {
  const doc = JSON.parse(stdout) as { schema?: string };
  assert.equal(doc.schema, schemaName, 'the report names its schema');
  const file = join(ROOT, 'schemas', `${schemaName.replace('/', '-')}.json`);
  const validate =
    ajv.getSchema(`urn:kcmp:schema:${schemaName}`) ?? ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
  assert.ok(validate(doc), `${schemaName}: ${ajv.errorsText(validate.errors)}`);
}
