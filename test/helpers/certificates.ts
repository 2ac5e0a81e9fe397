import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oidOf, readElements, readSingle, TAG } from '../../src/trust/der.js';

/**
 * Certificates made at test time with the real openssl CLI. `openssl ca` rather than `x509 -req`:
 * in OpenSSL 3.0 only it sets both validity dates, so that a leaf can have lived ten minutes,
 * years ago, as Fulcio leaves do. Keys are ECDSA P-256 unless asked otherwise. Everything lives in
 * one directory per test process, removed when it exits.
 */

export interface TestCertificate {
  pem: string;
  /** The PEM in a file, for a policy's caPath. */
  file: string;
  privateKey: KeyObject;
  keyFile: string;
}

export interface IssueOptions {
  /** openssl's `-subj` form, e.g. `/O=Example/CN=Example CA`. */
  subject: string;
  /** Self-signed when absent. */
  issuer?: TestCertificate;
  /** Default: an hour ago, and a day from now. */
  notBefore?: Date;
  notAfter?: Date;
  /** Lines of an openssl X.509 v3 extension section, e.g. `extendedKeyUsage=codeSigning`. */
  extensions?: string[];
  /** Default: ECDSA P-256. */
  key?: 'rsa' | 'secp256k1';
  /** The issuer's digest; default SHA-256. */
  digest?: 'sha1';
}

/** What a CA needs for Go to let it sign (basic constraints CA, keyCertSign). */
export const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'];

/** Fulcio's OIDC issuer extensions: v1 the URL's bytes as they are, v2 a DER UTF8String. */
export const issuerV1 = (url: string) => `1.3.6.1.4.1.57264.1.1=DER:${Buffer.from(url).toString('hex')}`;
export const issuerV2 = (url: string) => `1.3.6.1.4.1.57264.1.8=ASN1:UTF8String:${url}`;

let dir: string | undefined;
let serial = 0;

function workDir(): string {
  if (dir !== undefined) return dir;
  const made = mkdtempSync(join(tmpdir(), 'hoist-certs-'));
  process.on('exit', () => rmSync(made, { recursive: true, force: true }));
  writeFileSync(join(made, 'index.txt'), '');
  // `policy` decides which subject fields survive: all those the tests use, none required.
  writeFileSync(
    join(made, 'ca.cnf'),
    [
      '[ca]',
      'default_ca = test',
      '[test]',
      `database = ${join(made, 'index.txt')}`,
      `new_certs_dir = ${made}`,
      `serial = ${join(made, 'serial')}`,
      'default_md = sha256',
      'policy = anything',
      'unique_subject = no',
      'email_in_dn = no',
      '[anything]',
      ...['countryName', 'organizationName', 'organizationalUnitName', 'commonName'].map((f) => `${f} = optional`),
      '',
    ].join('\n'),
  );
  return (dir = made);
}

const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** `openssl ca` time: YYYYMMDDHHMMSSZ. */
const caTime = (date: Date) => `${date.toISOString().replace(/[-:T]|\.\d{3}/g, '')}`;

/** A new key and a certificate for it, signed by `issuer` (or by itself). */
export function issue(options: IssueOptions): TestCertificate {
  const base = join(workDir(), `c${++serial}`);
  const keyArgs =
    options.key === 'rsa'
      ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']
      : ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${options.key ?? 'P-256'}`];
  openssl('genpkey', ...keyArgs, '-out', `${base}.key`);
  openssl('req', '-new', '-key', `${base}.key`, '-subj', options.subject, '-out', `${base}.csr`);
  writeFileSync(`${base}.ext`, `[v3]\n${(options.extensions ?? []).join('\n')}\n`);
  const notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  const notAfter = options.notAfter ?? new Date(Date.now() + 86400_000);
  const signer = options.issuer === undefined ? ['-selfsign', '-keyfile', `${base}.key`] : ['-cert', options.issuer.file, '-keyfile', options.issuer.keyFile];
  openssl(
    'ca',
    '-batch',
    '-notext',
    '-preserveDN',
    '-rand_serial',
    '-config',
    join(workDir(), 'ca.cnf'),
    ...signer,
    '-in',
    `${base}.csr`,
    '-out',
    `${base}.crt`,
    '-startdate',
    caTime(notBefore),
    '-enddate',
    caTime(notAfter),
    '-extfile',
    `${base}.ext`,
    '-extensions',
    'v3',
    ...(options.digest === undefined ? [] : ['-md', options.digest]),
  );
  const pem = readFileSync(`${base}.crt`, 'utf8');
  return { pem, file: `${base}.crt`, privateKey: createPrivateKey(readFileSync(`${base}.key`)), keyFile: `${base}.key` };
}

/** A PEM bundle, as cosign writes chains and as CA files hold them. */
export const bundle = (...certs: TestCertificate[]) => certs.map((c) => c.pem).join('');

/**
 * `cert` with its extension `oid` appearing twice, re-signed by `issuer`: something openssl will
 * not write, and Go refuses ("certificate contains duplicate extensions").
 */
export function withDuplicatedExtension(cert: TestCertificate, issuer: TestCertificate, oid: string): TestCertificate {
  const der = Buffer.from(cert.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const [tbs, algorithm] = readElements(readSingle(der, TAG.SEQUENCE).content);
  const fields = readElements(tbs!.content);
  const extensions = fields.at(-1)!;
  const list = readElements(readSingle(extensions.content, TAG.SEQUENCE).content);
  const copy = list.find((e) => oidOf(readElements(e.content)[0]!) === oid)!;
  const newTbs = tlv(0x30, ...fields.slice(0, -1).map((f) => f.raw), tlv(0xa3, tlv(0x30, ...list.map((e) => e.raw), copy.raw)));
  const signature = sign('sha256', newTbs, issuer.privateKey);
  const certificate = tlv(0x30, newTbs, algorithm!.raw, tlv(0x03, Buffer.from([0]), signature));
  const pem = `-----BEGIN CERTIFICATE-----\n${certificate.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;
  const file = `${cert.file}.dup.crt`;
  writeFileSync(file, pem);
  return { ...cert, pem, file };
}

/** DER tag-length-value, for withDuplicatedExtension. */
function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const hex = body.length.toString(16);
  const octets = Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex');
  const length = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.concat([Buffer.from([0x80 | octets.length]), octets]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}
