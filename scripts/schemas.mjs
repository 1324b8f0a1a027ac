#!/usr/bin/env node
/**
 * Writes schemas/<schema with / as ->.json — one JSON Schema per report — from the TypeScript report types
 * themselves, so a schema cannot say what the code does not produce: `node scripts/schemas.mjs` writes
 * them, `--check` fails (exit 1) when a committed schema differs from what the types give now (the tests
 * run it). TSDoc comments on the types become the schemas' descriptions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The schema name (the report's `schema` field), the type and the file that declares it. */
export const REPORTS = [
  ['kcmp.fds/2', 'FdsReport', 'src/inspect/fds/fds-report.ts'],
  ['kcmp.tasks/1', 'TasksReport', 'src/inspect/tasks/tasks-report.ts'],
  ['kcmp.epoll/2', 'EpollReport', 'src/inspect/epoll/epoll-report.ts'],
  ['kcmp.leaks/2', 'LeaksReport', 'src/inspect/leaks/leaks-report.ts'],
  ['kcmp.container-leaks/2', 'ContainerLeaksReport', 'src/inspect/leaks/container-leaks-report.ts'],
  ['kcmp.same/1', 'SameReport', 'src/cli/same.ts'],
  ['kcmp.raw/1', 'RawReport', 'src/cli/raw.ts'],
  ['kcmp.doctor/1', 'DoctorReport', 'src/cli/doctor.ts'],
];

export function schemaFile(name) {
  return join(ROOT, 'schemas', `${name.replace('/', '-')}.json`);
}

function generate(name, type, path) {
  const schema = createGenerator({
    path: join(ROOT, path),
    tsconfig: join(ROOT, 'tsconfig.json'),
    type,
    expose: 'export',
    topRef: false,
    jsDoc: 'extended',
    additionalProperties: false,
    skipTypeCheck: true,
  }).createSchema(type);
  const { $schema, ...rest } = schema;
  const id = `urn:kcmp:schema:${name}`;
  return `${JSON.stringify({ $schema, $id: id, title: name, ...rest }, null, 2)}\n`;
}

const check = process.argv.includes('--check');
let drift = 0;
for (const [name, type, path] of REPORTS) {
  const text = generate(name, type, path);
  const file = schemaFile(name);
  if (!check) {
    writeFileSync(file, text);
    continue;
  }
  let committed = '';
  try {
    committed = readFileSync(file, 'utf8');
  } catch {}
  if (committed !== text) {
    drift++;
    process.stderr.write(`schemas: ${file} differs from ${type} in ${path}: run node scripts/schemas.mjs\n`);
  }
}
process.exitCode = drift ? 1 : 0;
