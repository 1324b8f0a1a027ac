/**
 * The report types forbid what a scan cannot produce: checked at compile time, as a strict consumer of
 * the package compiles them (test/helpers/typecheck.ts). Each `@ts-expect-error` line must be an error:
 * were the type wider, the directive would be unused, and that is an error too.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { typecheck } from './helpers/typecheck.js';

const KIND_NAMES = `
import type { ContainerLeak, Description, KindName, Leak } from 'kcmp';
const kinds: KindName[] = ['REG', 'FIFO', 'SOCK', 'LINK', 'mqueue', 'memfd_secret', 'eventfd', 'bpf-link', 'UNKNOWN'];
// @ts-expect-error: no such kind
const pipe: KindName = 'PIPE';
// @ts-expect-error: the kernel's anon-inode name is not the TYPE (bpf_link is shown as bpf-link)
const kernelName: KindName = 'bpf_link';
// @ts-expect-error: a description's type is a kind name
const described: Description['type'] = 'PIPE';
// @ts-expect-error: so is a leak's
const leaked: Leak['type'] = 'PIPE';
// @ts-expect-error: and a container leak's
const reached: ContainerLeak['type'] = 'PIPE';
const back: KindName[] = [({} as Description).type, ({} as Leak).type, ({} as ContainerLeak).type];
export { kinds, pipe, kernelName, described, leaked, reached, back };
`;

test('the checker reports a type error in a snippet (the checks below can fail)', () => {
  const result = typecheck(new Map([['broken', "import { kcmp } from 'kcmp';\nconst n: number = kcmp;\n"]]));
  assert.equal(result.get('broken')?.length, 1, String(result.get('broken')));
});

test('a description type, a leak type and a container leak type are kind names, nothing else', () => {
  assert.deepEqual(typecheck(new Map([['kind-names', KIND_NAMES]])).get('kind-names'), []);
});
