import { isStrictBase64 } from '../../base64.js';
import { readSmallFileIfPresent } from '../../io/open-regular-file.js';
import { HoistError } from '../../errors.js';
import { parseJsonObject } from '../../untrusted-json.js';

export interface AuthEntry {
  /** The `auths` key as written (`host`, `host/ns/repo`, `https://index.docker.io/v1/`, …). */
  key: string;
  /** Decoded `auth` field; undefined for an empty marker entry (Docker writes `{}` when a helper holds the secret). */
  username?: string;
  password?: string;
  identityToken?: string;
}

/** One containers-auth.json(5) / Docker config.json file, validated. Secrets stay in memory only. */
export interface AuthFile {
  path: string;
  auths: AuthEntry[];
  /** `credHelpers`: registry host → helper name (`docker-credential-<name>`). */
  credHelpers: Map<string, string>;
  /** `credsStore`: Docker's default helper for every registry. */
  credsStore?: string;
}

const HINT = 'fix or remove the file, or point --authfile at another one';

/** Far above any real auth file (a few hundred bytes per registry). */
export const MAX_AUTH_FILE_BYTES = 4 * 1024 * 1024;

/** Reads an auth file; undefined when it does not exist. A malformed file is INVALID_CONFIG naming it. */
export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  const doc = await readAuthDocument(path);
  return doc === undefined ? undefined : authFileOf(path, doc);
}

/**
 * An auth file as the JSON object it holds, every field kept (login rewrites it and must keep
 * what it does not know); undefined when it does not exist.
 */
export async function readAuthDocument(path: string): Promise<Record<string, unknown> | undefined> {
  // Bounded and never waiting, as every file hoist did not write: a FIFO or /dev/zero given as
  // --authfile fails at once instead of hanging or filling memory.
  const bytes = await readSmallFileIfPresent(path, MAX_AUTH_FILE_BYTES, (failure, cause) => {
    const reason =
      failure.reason === 'unreadable'
        ? failure.message
        : failure.reason === 'not-regular'
          ? `it is a ${failure.kind}, not a regular file`
          : `it is larger than ${MAX_AUTH_FILE_BYTES / 1024 / 1024} MiB`;
    return new HoistError('INVALID_CONFIG', `cannot read auth file ${path}: ${reason}`, { cause });
  });
  if (bytes === undefined) return undefined;
  return parseJsonObject(bytes.toString('utf8'), (p) => invalid(path, p.problem === 'syntax' ? `invalid JSON: ${p.message}` : 'not a JSON object'));
}

/** An auth file's JSON object, validated. */
export function authFileOf(path: string, doc: Record<string, unknown>): AuthFile {
  const fail = (message: string) => invalid(path, message);
  return {
    path,
    auths: Object.entries(objectField(doc, 'auths', fail)).map(([key, value]) => authEntry(key, value, fail)),
    credHelpers: new Map(
      Object.entries(objectField(doc, 'credHelpers', fail)).map(([host, name]) => {
        if (typeof name !== 'string' || name === '') throw fail(`credHelpers.${JSON.stringify(host)}: expected a helper name`);
        return [host, name];
      }),
    ),
    ...credsStoreOf(doc, fail),
  };
}

function invalid(path: string, message: string): HoistError {
  return new HoistError('INVALID_CONFIG', `${path}: ${message}`, { hint: HINT });
}

function authEntry(key: string, value: unknown, fail: (m: string) => HoistError): AuthEntry {
  const where = `auths.${JSON.stringify(key)}`;
  if (!isObject(value)) throw fail(`${where}: expected an object`);
  for (const field of ['auth', 'identitytoken'] as const) {
    if (value[field] !== undefined && typeof value[field] !== 'string') throw fail(`${where}.${field}: expected a string`);
  }
  const entry: AuthEntry = { key };
  const auth = (value.auth as string | undefined) ?? '';
  if (!isStrictBase64(auth)) throw fail(`${where}.auth: not valid base64`);
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // As in Docker and containers/image, an `auth` without "user:" is skipped rather than fatal.
  if (colon >= 0) {
    entry.username = decoded.slice(0, colon);
    entry.password = decoded.slice(colon + 1).replace(/^\0+|\0+$/g, '');
  }
  if (typeof value.identitytoken === 'string' && value.identitytoken !== '') entry.identityToken = value.identitytoken;
  return entry;
}

function objectField(doc: Record<string, unknown>, field: string, fail: (m: string) => HoistError): Record<string, unknown> {
  const value = doc[field];
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw fail(`${field}: expected an object`);
  return value;
}

function credsStoreOf(doc: Record<string, unknown>, fail: (m: string) => HoistError): { credsStore?: string } {
  const value = doc.credsStore;
  if (value === undefined || value === '') return {};
  if (typeof value !== 'string') throw fail('credsStore: expected a helper name');
  return { credsStore: value };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
