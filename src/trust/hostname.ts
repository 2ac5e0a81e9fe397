/**
 * Go's x509.Certificate.VerifyHostname, which upstream's PKI check runs for `subjectHostname`
 * (c/image signature/pki_cert.go), with its HostnameError messages. An IP address (bare, or in
 * brackets) matches only IP SANs; any other name matches DNS SANs without regard to ASCII case,
 * where a valid pattern may have `*` as its whole left-most label. The subject common name is
 * never a match, only mentioned when a certificate without SANs would have matched by it.
 */
import { isIP } from 'node:net';
import type { Certificate } from './x509.js';

/** Why `cert` is not valid for `host`, in Go's words, or undefined when it is. */
export function hostnameMismatch(cert: Certificate, host: string): string | undefined {
  const { dnsNames = [], ipAddresses = [] } = cert.subjectAltNames ?? {};
  const literal = host.length >= 3 && host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const ip = ipBytes(literal);
  if (ip !== undefined) return ipAddresses.some((san) => as16(san).equals(ip)) ? undefined : mismatch(cert, literal);
  const name = lowerAscii(host);
  const wildcardsApply = validHostname(name, false);
  const matches = (pattern: string) => (wildcardsApply && validHostname(pattern, true) ? patternMatches(pattern, name) : exactlyEqual(pattern, name));
  return dnsNames.some(matches) ? undefined : mismatch(cert, host);
}

/** Go's HostnameError.Error(). */
function mismatch(cert: Certificate, host: string): string {
  const { commonName } = cert.subject;
  if (cert.subjectAltNames === undefined && commonName !== undefined && patternMatches(commonName, host)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  const { dnsNames = [], ipAddresses = [] } = cert.subjectAltNames ?? {};
  let valid = dnsNames.join(', ');
  if (ipBytes(host) !== undefined) {
    if (ipAddresses.length === 0) return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    valid = ipAddresses.map(ipText).join(', ');
  }
  return valid === '' ? `x509: certificate is not valid for any names, but wanted to match ${host}` : `x509: certificate is valid for ${valid}, not ${host}`;
}

/** RFC 6125 §2.2 with Go's leniency (`_` allowed); a pattern may start with a `*` label, an input may end with a dot. */
function validHostname(host: string, isPattern: boolean): boolean {
  const trimmed = isPattern ? host : host.replace(/\.$/, '');
  if (trimmed === '' || trimmed === '*') return false;
  return trimmed.split('.').every((label, i) => (isPattern && i === 0 && label === '*') || /^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(label));
}

function patternMatches(pattern: string, host: string): boolean {
  const patternLabels = lowerAscii(pattern).split('.');
  const hostLabels = lowerAscii(host.replace(/\.$/, '')).split('.');
  if (pattern === '' || hostLabels.join('.') === '' || patternLabels.length !== hostLabels.length) return false;
  return patternLabels.every((label, i) => (i === 0 && label === '*') || label === hostLabels[i]);
}

function exactlyEqual(a: string, b: string): boolean {
  return a !== '' && a !== '.' && b !== '' && b !== '.' && lowerAscii(a) === lowerAscii(b);
}

/** Only ASCII letters fold, as in DNS (RFC 6125 §6.4.1): no Unicode case mapping. */
const lowerAscii = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());

const V4_IN_V6 = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** An address as Go's net.ParseIP reads it (no zone), as 16 bytes; undefined when `text` is not one. */
function ipBytes(text: string): Buffer | undefined {
  const version = text.includes('%') ? 0 : isIP(text);
  if (version === 4) return Buffer.concat([V4_IN_V6, Buffer.from(text.split('.').map(Number))]);
  if (version !== 6) return undefined;
  // An IPv4 tail is the last two groups.
  const hex = text.replace(
    /(\d+)\.(\d+)\.(\d+)\.(\d+)$/,
    (_, a: string, b: string, c: string, d: string) => `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const [head = '', tail] = hex.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const all = tail === undefined ? groups(head) : [...groups(head), ...Array<string>(8 - groups(head).length - groups(tail).length).fill('0'), ...groups(tail)];
  return Buffer.from(all.flatMap((group) => [parseInt(group, 16) >> 8, parseInt(group, 16) & 0xff]));
}

const as16 = (ip: Buffer) => (ip.length === 4 ? Buffer.concat([V4_IN_V6, ip]) : ip);

/** Go's net.IP.String(): dotted quad for IPv4 (and IPv4-mapped), RFC 5952 for IPv6. */
function ipText(ip: Buffer): string {
  const full = as16(ip);
  if (full.subarray(0, 12).equals(V4_IN_V6)) return [...full.subarray(12)].join('.');
  const groups = Array.from({ length: 8 }, (_, i) => full.readUInt16BE(i * 2).toString(16));
  // WHATWG's IPv6 serializer compresses as RFC 5952 does.
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
