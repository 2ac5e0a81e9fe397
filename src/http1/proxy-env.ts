import { createHash } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { HoistError } from '../errors.js';

/**
 * Which proxy a request goes through, decided from the environment as Podman decides it: Go's
 * `http.ProxyFromEnvironment`, i.e. golang.org/x/net/http/httpproxy (`FromEnvironment`,
 * `proxyForURL`, `useProxy`), which containers/image's transport uses. The rules, all Go's:
 * - `HTTPS_PROXY` serves https URLs and `HTTP_PROXY` http ones; neither falls back on the other.
 *   The upper-case name wins over the lower-case one when both are set and not empty.
 * - A value without `scheme://` is `http://` + the value (`proxy:3128`).
 * - `localhost` and loopback addresses (127.0.0.0/8, ::1) never go through a proxy.
 * - `NO_PROXY` is a comma-separated list: `*` (nothing is proxied); an IP address or CIDR range;
 *   `IP:port`, `[IPv6]:port`; a domain, which matches itself and its subdomains (`example.com`);
 *   `.example.com` or `*.example.com`, subdomains only; any of these names with `:port`. A port
 *   is compared with the URL's, default port included. Malformed entries are ignored.
 * - In a CGI process (`REQUEST_METHOD` set), `HTTP_PROXY` is refused: a client can set it there.
 *
 * Where hoist differs: a proxy variable that is set but cannot be used (not a URL; `https://` or
 * `socks5://` proxies, which hoist does not speak) fails the request that would use it, with an
 * error naming the variable, where Go ignores a value it cannot parse and goes direct.
 */

export interface ProxyRoute {
  /** `proxy http://HOST:PORT (HTTPS_PROXY)`: what messages call it. Never the credentials. */
  readonly label: string;
  /** `http://HOST:PORT`, without credentials: where requests sent to the proxy itself go. */
  readonly origin: string;
  /** Where to connect: the proxy's host (brackets stripped) and port. */
  readonly hostname: string;
  readonly port: number;
  /** `Basic …` from the URL's user and password, sent as Proxy-Authorization; never logged. */
  readonly authorization: string | undefined;
  /** Tells routes apart in connection pools without holding the credentials. */
  readonly key: string;
}

export interface ProxyRules {
  /**
   * The proxy a request to `url` goes through, or undefined to connect directly. Throws a
   * HoistError when the variable that applies to `url` holds no usable proxy.
   */
  forUrl(url: URL): ProxyRoute | undefined;
  /** The same for rules that route every URL alike; '' for no proxy at all. */
  readonly key: string;
}

/** No proxy variable set: every URL is reached directly. */
export const DIRECT: ProxyRules = { forUrl: () => undefined, key: '' };

type Setting = { route: ProxyRoute } | { error: HoistError };

export function proxyRules(env: NodeJS.ProcessEnv): ProxyRules {
  const httpsValue = firstSet(env, 'HTTPS_PROXY', 'https_proxy');
  const httpValue = firstSet(env, 'HTTP_PROXY', 'http_proxy');
  if (httpsValue === undefined && httpValue === undefined) return DIRECT;
  const https = httpsValue && parseProxy(httpsValue[1], httpsValue[0]);
  const http = httpValue && parseProxy(httpValue[1], httpValue[0]);
  const noProxy = firstSet(env, 'NO_PROXY', 'no_proxy')?.[1] ?? '';
  const cgi = (env.REQUEST_METHOD ?? '') !== '';
  const exempt = noProxyMatcher(noProxy);
  // Hashed: the values may hold a proxy password.
  const key = createHash('sha256')
    .update(JSON.stringify([httpsValue?.[1], httpValue?.[1], noProxy, cgi]))
    .digest('hex');
  return {
    key,
    forUrl(url) {
      const chosen = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
      if (chosen === undefined) return undefined;
      if (url.protocol === 'http:' && cgi) {
        throw new HoistError('INVALID_CONFIG', 'refusing to use HTTP_PROXY in a CGI environment (REQUEST_METHOD is set), where a client can set it', {
          hint: 'see golang.org/s/cgihttpproxy',
        });
      }
      if (exempt(url)) return undefined;
      if ('error' in chosen) throw chosen.error;
      return chosen.route;
    },
  };
}

/** The first of the names set to something not empty, with its value (Go's getEnvAny). */
function firstSet(env: NodeJS.ProcessEnv, ...names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return [name, value];
  }
  return undefined;
}

/** A proxy URL; the value itself never goes into a message, since it may hold a password. */
function parseProxy(value: string, variable: string): Setting {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return {
      error: new HoistError('INVALID_CONFIG', `${variable} does not hold a proxy URL`, {
        hint: `write it as http://HOST:PORT or http://USER:PASSWORD@HOST:PORT`,
      }),
    };
  }
  if (url.protocol !== 'http:') {
    return {
      error: new HoistError('INVALID_CONFIG', `${variable} names a ${url.protocol}// proxy at ${url.host}; hoist reaches proxies over plain HTTP only`, {
        hint: 'give the proxy as http://HOST:PORT: TLS to the registry still goes end to end, through a CONNECT tunnel',
      }),
    };
  }
  if (url.hostname === '') return { error: new HoistError('INVALID_CONFIG', `${variable} names no proxy host`) };
  const user = decoded(url.username);
  const password = decoded(url.password);
  const authorization = user !== '' || password !== '' ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` : undefined;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 80);
  const credentials = authorization === undefined ? '' : createHash('sha256').update(authorization).digest('hex');
  return { route: { label: `proxy ${url.origin} (${variable})`, origin: url.origin, hostname, port, authorization, key: `${url.host} ${credentials}` } };
}

/** A URL's user or password as typed before percent-encoding, as Go's `Userinfo` gives it. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const family = (ip: string) => (isIP(ip) === 4 ? 'ipv4' : 'ipv6');

interface IpMatch {
  addresses: BlockList;
  /** '' for any port; always '' for a CIDR range, as in Go. */
  port: string;
}

interface DomainMatch {
  /** With a leading dot: `.example.com`. */
  suffix: string;
  port: string;
  /** The entry had no leading dot, so it matches the domain itself too. */
  matchesItself: boolean;
}

/** Go's useProxy, negated: whether a request to `url` goes direct. */
function noProxyMatcher(noProxy: string): (url: URL) => boolean {
  const { all, ips, domains } = parseNoProxy(noProxy);
  return (url) => {
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    if (host === 'localhost') return true;
    const ip = isIP(host) !== 0;
    if (ip && LOOPBACK.check(host, family(host))) return true;
    if (all) return true;
    if (ip && ips.some((m) => m.addresses.check(host, family(host)) && (m.port === '' || m.port === port))) return true;
    return domains.some((m) => (host.endsWith(m.suffix) || (m.matchesItself && host === m.suffix.slice(1))) && (m.port === '' || m.port === port));
  };
}

function parseNoProxy(noProxy: string): { all: boolean; ips: IpMatch[]; domains: DomainMatch[] } {
  const ips: IpMatch[] = [];
  const domains: DomainMatch[] = [];
  for (const raw of noProxy.split(',')) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return { all: true, ips: [], domains: [] };
    const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
    if (cidr !== null && isIP(cidr[1]!) !== 0 && Number(cidr[2]) <= (isIP(cidr[1]!) === 4 ? 32 : 128)) {
      const addresses = new BlockList();
      addresses.addSubnet(cidr[1]!, Number(cidr[2]), family(cidr[1]!));
      ips.push({ addresses, port: '' });
      continue;
    }
    const split = splitHostPort(entry);
    if (split !== undefined && split.host === '') continue;
    let host = split?.host ?? entry;
    const port = split?.port ?? '';
    if (isIP(host) !== 0) {
      const addresses = new BlockList();
      addresses.addAddress(host, family(host));
      ips.push({ addresses, port });
      continue;
    }
    if (host.startsWith('*.')) host = host.slice(1);
    const matchesItself = !host.startsWith('.');
    const suffix = matchesItself ? `.${host}` : host;
    domains.push({ suffix: /^[\x00-\x7f]*$/.test(suffix) ? suffix : domainToASCII(suffix) || suffix, port, matchesItself });
  }
  return { all: false, ips, domains };
}

/** Go's net.SplitHostPort: `host:port` or `[host]:port` (brackets removed); undefined where Go fails. */
function splitHostPort(text: string): { host: string; port: string } | undefined {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  let host: string;
  let hostEnd: number;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0 || close + 1 !== colon) return undefined;
    host = text.slice(1, close);
    hostEnd = close + 1;
  } else {
    host = text.slice(0, colon);
    if (host.includes(':')) return undefined;
    hostEnd = 0;
  }
  if (text.indexOf('[', 1) >= 0 || text.indexOf(']', hostEnd) >= 0) return undefined;
  return { host, port: text.slice(colon + 1) };
}
