import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test certificates, made once per test process with the openssl CLI: a CA, a server
 * certificate for 127.0.0.1, localhost and PROXIED_REGISTRY_NAME and a client certificate signed
 * by it, and a self-signed token-signing certificate for the token issuer. Removed when the
 * process exits.
 */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Self-signed; the registry trusts it through `auth.token.rootcertbundle`. */
  tokenCert: string;
  tokenKey: string;
  /** PEM text of the files above. */
  pem(file: string): string;
}

/**
 * A name the server certificate also holds that no resolver knows (`.test` is reserved): only the
 * tests' CONNECT proxy resolves it, to the registry on loopback (test/helpers/connect-proxy.ts). A
 * registry reached by this name is reached through the proxy or not at all, since Go's rules (and
 * hoist's) never send 127.0.0.1 or localhost through a proxy.
 */
export const PROXIED_REGISTRY_NAME = 'registry.hoist.test';

let pki: TestPki | undefined;

export function testPki(): TestPki {
  return (pki ??= makePki());
}

function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-pki-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const selfSigned = (name: string, subject: string, ...ext: string[]) =>
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      subject,
      ...ext.flatMap((e) => ['-addext', e]),
    );
  const signed = (name: string, subject: string, extensions: string) => {
    writeFileSync(file(`${name}.ext`), extensions);
    openssl('req', '-new', ...ecKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
    );
  };
  selfSigned('ca', '/CN=hoist test CA', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign');
  signed('server', '/CN=127.0.0.1', `subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:${PROXIED_REGISTRY_NAME}\nextendedKeyUsage=serverAuth\n`);
  signed('client', '/CN=hoist test client', 'extendedKeyUsage=clientAuth\n');
  selfSigned('token', '/CN=hoist test token issuer');
  return {
    dir,
    caCert: file('ca.crt'),
    serverCert: file('server.crt'),
    serverKey: file('server.key'),
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    tokenCert: file('token.crt'),
    tokenKey: file('token.key'),
    pem: (path: string) => readFileSync(path, 'utf8'),
  };
}
