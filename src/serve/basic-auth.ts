/**
 * HTTP basic authentication against bcrypt hashes (web-config.ts's basic_auth_users), as the Prometheus
 * exporter toolkit checks them:
 *
 * - bcrypt is slow on purpose (~100 ms at cost 10, in JavaScript): a correct user and password, once
 *   verified, are remembered (a SHA-256 of user, password and hash, never the password), so that a
 *   scraper sending the same credentials every 15 s costs one bcrypt in the exporter's life;
 * - whatever is not remembered is verified one at a time, at most MAX_PENDING running or waiting: a
 *   client sending wrong passwords on every connection it may open costs one core at most and never
 *   starves the event loop that answers scrapes (bcryptjs yields between rounds); beyond MAX_PENDING it is
 *   told 503 at once, while remembered credentials are still let in;
 * - an unknown user is checked against a hash all the same, so the answer takes as long as for a known
 *   user with a wrong password, and timing does not tell which users exist.
 */
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';

/** Verifications running or waiting, beyond which a request is refused at once. */
export const MAX_PENDING = 8;

export type AuthOutcome = 'allowed' | 'denied' | 'busy';

export class BasicAuth {
  readonly #verified = new Set<string>();
  /** A hash an unknown user's password is checked against (and denied whatever the result). */
  readonly #decoy: string;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;

  /** `users`: user name → bcrypt hash, at least one. */
  constructor(private readonly users: ReadonlyMap<string, string>) {
    const [first] = users.values();
    if (first === undefined) throw new RangeError('BasicAuth needs at least one user');
    this.#decoy = first;
  }

  /** Whether the Authorization header of a request names a user and that user's password. */
  async check(authorization: string | undefined): Promise<AuthOutcome> {
    const credentials = parseBasic(authorization);
    if (credentials === undefined) return 'denied';
    const [user, password] = credentials;
    const hash = this.users.get(user);
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('base64');
    if (hash !== undefined && this.#verified.has(key)) return 'allowed';
    if (this.#pending >= MAX_PENDING) return 'busy';
    this.#pending++;
    const verified = this.#queue.then(() => bcrypt.compare(password, hash ?? this.#decoy));
    this.#queue = verified.catch(() => undefined);
    try {
      const same = await verified;
      if (!same || hash === undefined) return 'denied';
      this.#verified.add(key);
      return 'allowed';
    } finally {
      this.#pending--;
    }
  }
}

/** [user, password] of `Basic base64(user:password)` (RFC 7617), or undefined. */
function parseBasic(header: string | undefined): [string, string] | undefined {
  const m = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}
