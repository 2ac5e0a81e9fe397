import { readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HoistError } from '../../errors.js';

/** The TLS material of one registry's certs.d directory, as PEM text. */
export interface RegistryCerts {
  /** The directory it was read from. */
  dir: string;
  /** `*.crt`: extra CAs, trusted in addition to the system roots. */
  ca: string[];
  /** `*.cert` + `*.key` pairs: client certificates. */
  clientCerts: { cert: string; key: string }[];
}

export interface CertsLookupOptions {
  /** `--cert-dir`: this directory only, for every registry. */
  certDir?: string;
  env?: NodeJS.ProcessEnv;
  /** The certs.d bases to search, in order (tests inject their own); see defaultCertsBases. */
  bases?: readonly string[];
}

/** containers-certs.d(5) bases, highest priority first. Like containers/image, the user's is under $HOME/.config. */
export function defaultCertsBases(env: NodeJS.ProcessEnv = process.env): string[] {
  return [join(env.HOME || homedir(), '.config', 'containers', 'certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}

/**
 * The certs.d material for a registry `HOST[:PORT]`: `--cert-dir` if given, else the first
 * existing `BASE/HOST[:PORT]`. Undefined when there is none (the system roots alone apply).
 */
export async function loadRegistryCerts(hostPort: string, options: CertsLookupOptions = {}): Promise<RegistryCerts | undefined> {
  if (options.certDir !== undefined) return readCertsDir(options.certDir);
  for (const base of options.bases ?? defaultCertsBases(options.env)) {
    const dir = join(base, hostPort);
    if (await isDirectory(dir)) return readCertsDir(dir);
  }
  return undefined;
}

/**
 * Reads one certs.d directory. A client certificate without its key (or a key without its
 * certificate) is an error naming the file, as in containers/image.
 */
async function readCertsDir(dir: string): Promise<RegistryCerts> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    throw new HoistError('INVALID_CONFIG', `cannot read certificate directory ${dir}: ${(err as Error).message}`, { cause: err });
  }
  const has = new Set(names);
  const certs: RegistryCerts = { dir, ca: [], clientCerts: [] };
  for (const name of names) {
    if (name.endsWith('.crt')) certs.ca.push(await readPem(dir, name));
    else if (name.endsWith('.cert')) {
      const key = `${name.slice(0, -'.cert'.length)}.key`;
      if (!has.has(key)) throw missingHalf(`missing key ${join(dir, key)} for client certificate ${join(dir, name)}`);
      certs.clientCerts.push({ cert: await readPem(dir, name), key: await readPem(dir, key) });
    } else if (name.endsWith('.key')) {
      const cert = `${name.slice(0, -'.key'.length)}.cert`;
      if (!has.has(cert)) throw missingHalf(`missing client certificate ${join(dir, cert)} for key ${join(dir, name)}`);
    }
  }
  return certs;
}

function missingHalf(message: string): HoistError {
  return new HoistError('INVALID_CONFIG', message, {
    hint: 'CA certificates take the extension .crt; a client certificate is a NAME.cert with its NAME.key',
  });
}

async function readPem(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (err) {
    throw new HoistError('INVALID_CONFIG', `cannot read ${join(dir, name)}: ${(err as Error).message}`, { cause: err });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
