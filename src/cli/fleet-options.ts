/** The options `kcmp exporter` and `kcmp metrics` share: the selection, the grouping and the label cap. */
import { type Command, Option } from 'commander';
import { parseDecimal } from '../compare/validate.js';
import { InvalidArgumentError } from '../errors.js';
import { type FleetScanOptions, GROUP_BY, type GroupBy } from '../inspect/fleet/fleet-scan.js';
import { DEFAULT_MAX_LABEL_VALUES, LIMIT_MAX_LABEL_VALUES } from '../inspect/fleet/label-cap.js';
import { completes } from './completion-values.js';
import { type SelectionFlags, selectionOf, withSelectionOptions } from './selection.js';

export interface FleetFlags extends SelectionFlags {
  groupBy?: string;
  maxLabelValues?: string;
}

export function withFleetOptions(command: Command): Command {
  return withSelectionOptions(command)
    .addOption(
      completes(
        new Option(
          '--group-by <what>',
          `label processes by ${GROUP_BY.join(', ')} (default unit: the systemd unit)`,
        ),
        { words: GROUP_BY },
      ),
    )
    .option(
      '--max-label-values <n>',
      `at most N values per label, the rest folded into "other" (default ${DEFAULT_MAX_LABEL_VALUES}, at most ${LIMIT_MAX_LABEL_VALUES})`,
    );
}

export function fleetOptionsOf(flags: FleetFlags): FleetScanOptions {
  const groupBy = (flags.groupBy ?? 'unit') as GroupBy;
  if (!GROUP_BY.includes(groupBy)) {
    throw new InvalidArgumentError(
      `invalid --group-by ${JSON.stringify(flags.groupBy)}: expected one of ${GROUP_BY.join(', ')}`,
    );
  }
  const max =
    flags.maxLabelValues === undefined ? DEFAULT_MAX_LABEL_VALUES : parseDecimal(flags.maxLabelValues);
  if (max === undefined || max < 1 || max > LIMIT_MAX_LABEL_VALUES) {
    throw new InvalidArgumentError(
      `invalid --max-label-values ${JSON.stringify(flags.maxLabelValues)}: expected a number from 1 to ${LIMIT_MAX_LABEL_VALUES}`,
    );
  }
  return { selection: selectionOf(flags), groupBy, maxLabelValues: max };
}
