/**
 * `-J/--json` and `--pretty`, the same in every subcommand: the report's JSON in the one convention of
 * report/json-text.ts (compact, an array element per line), or indented with --pretty.
 */
import { Option } from 'commander';
import { renderJson } from '../report/json-text.js';
import { out } from './run.js';

export interface JsonFlags {
  json?: boolean;
  pretty?: boolean;
}

/** The `--pretty` option, added beside each subcommand's `-J, --json`. */
export function prettyOption(): Option {
  return new Option('--pretty', 'with -J: indent the JSON by two spaces, for reading');
}

/** Prints `report` as -J asks, as it is produced (resolves once written). */
export function outJson(report: object, flags: JsonFlags): Promise<void> {
  return out(renderJson(report, flags.pretty ?? false));
}
