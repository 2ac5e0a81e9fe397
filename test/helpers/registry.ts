import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { testPki } from './registry-pki.js';
import { startTokenIssuer, type TokenIssuer } from './token-issuer.js';

/**
 * Starts the real CNCF distribution registry (`docker-registry serve`, Debian's package) on a
 * free loopback port, one configuration per call. Always `stop()` it (e.g. in `after`).
 */
export interface RegistryOptions {
  /** Serve HTTPS with a certificate from the test CA. */
  tls?: boolean;
  /** With tls: require a client certificate signed by the test CA. */
  clientCert?: boolean;
  auth?: 'htpasswd' | 'token';
  /** `expires_in` of the token issuer's tokens (token auth). */
  tokenExpiresIn?: number;
  /** Token auth: the issuer serves HTTPS on another host name (see TokenIssuerOptions.tls). */
  tokenIssuerTls?: boolean;
  /**
   * Token auth: the realm the registry advertises, made from the issuer's (default: the issuer's
   * own), e.g. the address of a relay in front of the issuer.
   */
  tokenRealm?: (issuer: TokenIssuer) => Promise<string>;
  /**
   * Run as a pull-through cache of this registry URL. Distribution 2.8 asks its upstream for
   * Docker media types only, so cache Docker-format images through it.
   */
  proxyRemoteUrl?: string;
  /** Listen on this loopback port (one a test reserved, to start the registry late) instead of a free one. */
  port?: number;
}

export interface RegistryHandle {
  /** `127.0.0.1:PORT`, as it goes in image references. */
  host: string;
  url: string;
  /** The test CA that signed the server certificate (tls). */
  caFile?: string;
  /** A certs.d directory for this registry: `ca.crt`, plus `client.cert`/`client.key` with clientCert. */
  certDir?: string;
  /** Credentials the registry (or its token issuer) accepts. */
  username?: string;
  password?: string;
  tokenIssuer?: TokenIssuer;
  /** undici dispatcher trusting the test CA, for helpers that talk to the registry directly. */
  dispatcher: Agent;
  stop(): Promise<void>;
  /** What the registry printed (last 256 KiB). */
  logs(): string;
}

const MAX_LOG = 256 * 1024;
const READY_TIMEOUT_MS = 15_000;

/** Fails clearly when the registry is not installed; tests must never skip silently. */
function registryBinary(): string {
  try {
    return execFileSync('sh', ['-c', 'command -v docker-registry'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('docker-registry is not installed: the registry tests need it (Debian: apt-get install docker-registry)');
  }
}

export async function startRegistry(options: RegistryOptions = {}): Promise<RegistryHandle> {
  const binary = registryBinary();
  const dir = await mkdtemp(join(tmpdir(), 'hoist-registry-'));
  const port = options.port ?? (await freePort());
  const host = `127.0.0.1:${port}`;
  const scheme = options.tls ? 'https' : 'http';
  const pki = options.tls ? testPki() : undefined;
  const handle: Partial<RegistryHandle> = { host, url: `${scheme}://${host}` };
  const config: string[] = [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  if (pki !== undefined) {
    config.push('  tls:', `    certificate: ${pki.serverCert}`, `    key: ${pki.serverKey}`);
    if (options.clientCert) config.push('    clientcas:', `      - ${pki.caCert}`);
    handle.caFile = pki.caCert;
    handle.certDir = join(dir, 'certs.d');
    await mkdir(handle.certDir);
    await copyFile(pki.caCert, join(handle.certDir, 'ca.crt'));
    if (options.clientCert) {
      await copyFile(pki.clientCert, join(handle.certDir, 'client.cert'));
      await copyFile(pki.clientKey, join(handle.certDir, 'client.key'));
    }
  }
  if (options.auth === 'htpasswd') {
    handle.username = 'hoist';
    handle.password = `pw-${randomBytes(6).toString('hex')}`;
    await writeFile(join(dir, 'htpasswd'), `${handle.username}:${bcrypt(handle.password)}\n`);
    config.push('auth:', '  htpasswd:', '    realm: hoist-test', `    path: ${join(dir, 'htpasswd')}`);
  } else if (options.auth === 'token') {
    const issuer = await startTokenIssuer({
      ...(options.tokenExpiresIn !== undefined ? { expiresIn: options.tokenExpiresIn } : {}),
      ...(options.tokenIssuerTls ? { tls: true } : {}),
    });
    handle.tokenIssuer = issuer;
    handle.username = issuer.username;
    handle.password = issuer.password;
    config.push(
      'auth:',
      '  token:',
      `    realm: ${options.tokenRealm !== undefined ? await options.tokenRealm(issuer) : issuer.realm}`,
      `    service: ${issuer.service}`,
      `    issuer: ${issuer.issuer}`,
      `    rootcertbundle: ${issuer.rootCertBundle}`,
    );
  }
  if (options.proxyRemoteUrl !== undefined) config.push('proxy:', `  remoteurl: ${options.proxyRemoteUrl}`);
  await writeFile(join(dir, 'config.yml'), `${config.join('\n')}\n`);

  let log = '';
  const child = spawn(binary, ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-MAX_LOG);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // A test process that dies without stop() must not leave registries and their files behind.
  const orphanGuard = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', orphanGuard);
  const dispatcher = new Agent({ connect: pki ? { ca: pki.pem(pki.caCert), cert: pki.pem(pki.clientCert), key: pki.pem(pki.clientKey) } : {} });

  handle.dispatcher = dispatcher;
  handle.logs = () => log;
  handle.stop = async () => {
    process.off('exit', orphanGuard);
    await stopProcess(child, exited);
    await dispatcher.close();
    await handle.tokenIssuer?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(handle.url!, dispatcher, child, exited);
  } catch (err) {
    await handle.stop();
    throw new Error(`docker-registry did not start: ${(err as Error).message}\n${log}`);
  }
  return handle as RegistryHandle;
}

/** A bcrypt htpasswd hash (the registry accepts only bcrypt), from libxcrypt through perl's crypt(). */
function bcrypt(password: string): string {
  const salt = randomBytes(16)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '.')
    .slice(0, 22);
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (!hash.startsWith('$2b$')) throw new Error('perl crypt() cannot make bcrypt hashes here (libxcrypt is needed)');
  return hash;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilReady(url: string, dispatcher: Agent, child: ChildProcess, exited: Promise<void>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone) throw new Error(`exited with status ${child.exitCode}`);
    try {
      const res = await request(`${url}/v2/`, { dispatcher });
      await res.body.dump();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`no answer on ${url}/v2/ within ${READY_TIMEOUT_MS} ms`);
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
