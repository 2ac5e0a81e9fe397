import { isStrictBase64 } from '../../base64.js';
import { readFile } from 'node:fs/promises';
import { HoistError } from '../../errors.js';
import { parseUntrustedJson } from '../../untrusted-json.js';

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

/** Reads an auth file; undefined when it does not exist. A malformed file is INVALID_CONFIG naming it. */
export async function readAuthFile(path: string): Promise<AuthFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HoistError('INVALID_CONFIG', `cannot read auth file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const fail = (message: string) => new HoistError('INVALID_CONFIG', `${path}: ${message}`, { hint: HINT });
  let doc: unknown;
  try {
    doc = parseUntrustedJson(text);
  } catch (err) {
    throw fail(`invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw fail('not a JSON object');
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
