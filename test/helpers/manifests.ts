/**
 * The Kubernetes manifests in deploy/kubernetes/ (every *.yaml), parsed and typed with kubernetes-models (the Kubernetes
 * API's own schemas): the tests of the manifests and the container test, which runs the image exactly as
 * the DaemonSet asks, read them here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IDaemonSet } from 'kubernetes-models/apps/v1';
import type { IContainer } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './schema.js';

export const DEPLOY = join(ROOT, 'deploy');
const KUBERNETES = join(DEPLOY, 'kubernetes');

/** Every document of every manifest (daemonset.yaml, then networkpolicy.yaml), as plain objects. */
export function manifests(): Record<string, unknown>[] {
  return readdirSync(KUBERNETES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(KUBERNETES, f), 'utf8')))
    .map((d) => d.toJS() as Record<string, unknown>);
}

/** The DaemonSet, and its one container (the exporter). */
export function daemonSet(): { ds: IDaemonSet; exporter: IContainer } {
  const ds = manifests().find((d) => d.kind === 'DaemonSet') as IDaemonSet | undefined;
  const exporter = ds?.spec?.template.spec?.containers[0];
  if (ds === undefined || exporter === undefined)
    throw new Error(`${MANIFEST}: no DaemonSet with a container`);
  return { ds, exporter };
}
