/**
 * The exporter's web configuration file (`--web.config.file`), in the format of the Prometheus exporter
 * toolkit, so that one file and one scrape configuration serve every exporter on a host:
 *
 *   tls_server_config:
 *     cert_file: server.crt              # PEM; relative paths are relative to this file's directory
 *     key_file: server.key
 *     client_auth_type: RequireAndVerifyClientCert   # or NoClientCert (the default)
 *     client_ca_file: clients-ca.crt     # the CAs a client certificate must chain to
 *   basic_auth_users:
 *     prometheus: $2y$10$…               # bcrypt hash: htpasswd -nBC 10 "" | tr -d ':\n'
 *
 * Kept to that subset; any other key (the toolkit's http_server_config, cipher_suites, …) is refused by
 * name rather than ignored, so that a setting never silently does nothing. Everything is read and checked
 * once, at start: a bad file, an unreadable certificate or a key that does not match its certificate is
 * one line and exit 2, never a failing handshake later. Certificates are not reloaded: restart to rotate.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type TlsOptions } from 'node:tls';
import { parse } from 'yaml';
import { InvalidArgumentError } from '../errors.js';
import { type ErrnoName, errnoMessage } from '../sys/errno.js';

export const WEB_CONFIG_FLAG = '--web.config.file';

/** What the file configures: TLS, basic authentication, both or neither. */
export interface WebConfig {
  /** Options for https.createServer; absent: plain HTTP. */
  tls?: TlsOptions;
  /** User name → bcrypt hash, at least one; absent: no authentication (as for an empty list). */
  users?: ReadonlyMap<string, string>;
}

/** $2a$, $2b$ or $2y$, a two-digit cost, 22 characters of salt and 31 of hash (bcrypt's base64). */
const BCRYPT_HASH = /^\$2[aby]\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;
const HASH_REMEDY = 'make one with: htpasswd -nBC 10 "" | tr -d \':\\n\'';

/** client_auth_type values kcmp implements, as Node's server options. */
const CLIENT_AUTH: Record<string, { requestCert: boolean; rejectUnauthorized: boolean }> = {
  NoClientCert: { requestCert: false, rejectUnauthorized: false },
  RequireAndVerifyClientCert: { requestCert: true, rejectUnauthorized: true },
};

type Fields = Record<string, unknown>;

export function readWebConfig(path: string): WebConfig {
  const bad = (why: string) => new InvalidArgumentError(`invalid ${WEB_CONFIG_FLAG} ${path}: ${why}`);
  let document: unknown;
  try {
    document = parse(readFile(path, WEB_CONFIG_FLAG).toString('utf8'));
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw bad(`not YAML: ${(error as Error).message.split('\n')[0]?.replace(/:$/, '')}`);
  }
  if (document === null || document === undefined) return {}; // an empty file: plain HTTP, no auth
  const top = fields(document, 'the file', bad);
  only(top, ['tls_server_config', 'basic_auth_users'], 'the file', bad);
  const config: WebConfig = {};
  if (top.tls_server_config !== undefined) {
    config.tls = tlsOptions(fields(top.tls_server_config, 'tls_server_config', bad), dirname(path), bad);
  }
  if (top.basic_auth_users !== undefined && top.basic_auth_users !== null) {
    const found = users(fields(top.basic_auth_users, 'basic_auth_users', bad), bad);
    if (found.size > 0) config.users = found;
  }
  return config;
}

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
    throw new InvalidArgumentError(
      `cannot read ${what} ${path}: open: ${code} (${errnoMessage(code as ErrnoName)})`,
    );
  }
}

function fields(value: unknown, what: string, bad: (why: string) => Error): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw bad(`${what}: expected a mapping of keys to values`);
  }
  return value as Fields;
}

function only(object: Fields, known: readonly string[], what: string, bad: (why: string) => Error): void {
  const unknown = Object.keys(object).find((key) => !known.includes(key));
  if (unknown !== undefined) {
    throw bad(`${what}: ${JSON.stringify(unknown)} is not supported (kcmp reads ${known.join(', ')})`);
  }
}

function text(object: Fields, key: string, what: string, bad: (why: string) => Error): string | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw bad(`${what}.${key}: expected a string`);
  return value;
}

function tlsOptions(tls: Fields, base: string, bad: (why: string) => Error): TlsOptions {
  const what = 'tls_server_config';
  only(tls, ['cert_file', 'key_file', 'client_auth_type', 'client_ca_file'], what, bad);
  const file = (key: string) => {
    const name = text(tls, key, what, bad);
    return name === undefined ? undefined : readFile(resolve(base, name), `${what}.${key}`);
  };
  const cert = file('cert_file');
  const key = file('key_file');
  if (cert === undefined || key === undefined) throw bad(`${what}: cert_file and key_file are both required`);
  const authType = text(tls, 'client_auth_type', what, bad) ?? 'NoClientCert';
  const auth = CLIENT_AUTH[authType];
  if (auth === undefined) {
    throw bad(
      `${what}.client_auth_type: ${JSON.stringify(authType)} is not supported (kcmp offers ${Object.keys(CLIENT_AUTH).join(', ')})`,
    );
  }
  const ca = file('client_ca_file');
  if (auth.requestCert !== (ca !== undefined)) {
    throw bad(
      `${what}: client_ca_file goes with client_auth_type RequireAndVerifyClientCert, and only with it`,
    );
  }
  const options: TlsOptions = { cert, key, ...auth, ...(ca === undefined ? {} : { ca }) };
  try {
    createSecureContext(options); // a bad PEM or a key of another certificate fails here, not per handshake
  } catch (error) {
    throw bad(`${what}: ${(error as Error).message}`);
  }
  return options;
}

function users(entries: Fields, bad: (why: string) => Error): Map<string, string> {
  const found = new Map<string, string>();
  for (const [user, hash] of Object.entries(entries)) {
    if (user === '' || user.includes(':'))
      throw bad(`basic_auth_users: ${JSON.stringify(user)} is not a user name`);
    if (typeof hash !== 'string' || !BCRYPT_HASH.test(hash)) {
      throw bad(`basic_auth_users.${user}: not a bcrypt hash ($2y$10$…); ${HASH_REMEDY}`);
    }
    found.set(user, hash);
  }
  return found;
}
