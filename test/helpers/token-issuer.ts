import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { testPki } from './registry-pki.js';

/**
 * A small token service for the registry's `auth.token` mode (distribution's token spec): JWTs
 * signed ES256 with the test token key, whose certificate goes in the `x5c` header; distribution
 * 2.8 verifies that chain against `auth.token.rootcertbundle`.
 */
export interface TokenIssuer {
  realm: string;
  service: string;
  issuer: string;
  /** The certificate file the registry must trust. */
  rootCertBundle: string;
  username: string;
  password: string;
  /** A refresh token the issuer accepts (auth.json `identitytoken`). */
  identityToken: string;
  /** `expires_in` of the tokens issued from now on, in seconds. */
  expiresIn: number;
  /** Issue this many next tokens without any access, as a narrower-than-asked token would be. */
  grantNothing: number;
  /** Every token request, in order. */
  requests: TokenRequestRecord[];
  /** When each of them arrived (performance.now()), by the same index. */
  requestTimes: number[];
  stop(): Promise<void>;
}

export interface TokenRequestRecord {
  method: string;
  scopes: string[];
  via: 'basic' | 'refresh_token' | 'anonymous';
}

const SERVICE = 'hoist-test-registry';
const ISSUER = 'hoist-test-issuer';

export interface TokenIssuerOptions {
  expiresIn?: number;
  /**
   * Serve HTTPS with the test CA's server certificate, at `https://localhost:PORT/token`: another
   * host than the registry's 127.0.0.1, as Docker Hub's auth.docker.io is. Plain HTTP otherwise.
   */
  tls?: boolean;
}

export async function startTokenIssuer(options: TokenIssuerOptions = {}): Promise<TokenIssuer> {
  const pki = testPki();
  const key = createPrivateKey(pki.pem(pki.tokenKey));
  const x5c = [new X509Certificate(pki.pem(pki.tokenCert)).raw.toString('base64')];
  let server: Server | HttpsServer | undefined;
  const issuer: TokenIssuer = {
    realm: '',
    service: SERVICE,
    issuer: ISSUER,
    rootCertBundle: pki.tokenCert,
    username: 'tokenuser',
    password: 'token-secret-pw',
    identityToken: `refresh-${randomUUID()}`,
    expiresIn: options.expiresIn ?? 300,
    grantNothing: 0,
    requests: [],
    requestTimes: [],
    stop: () => new Promise((resolve) => (server ? server.close(() => resolve()) : resolve())),
  };

  const jwt = (scopes: string[], subject: string) => {
    const now = Math.floor(Date.now() / 1000);
    const granted = issuer.grantNothing > 0 ? (issuer.grantNothing--, []) : scopes;
    const claims = {
      iss: ISSUER,
      sub: subject,
      aud: SERVICE,
      // The registry allows 60 s of leeway past `exp`; expiry tests rely on `expires_in` instead.
      exp: now + issuer.expiresIn,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: subject === '' ? [] : granted.map(parseScope),
    };
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const signingInput = `${encode({ typ: 'JWT', alg: 'ES256', x5c })}.${encode(claims)}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    return `${signingInput}.${signature.toString('base64url')}`;
  };

  const handler: RequestListener = (req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://issuer');
      const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : undefined;
      const scopes = form ? (form.get('scope') ?? '').split(' ').filter(Boolean) : url.searchParams.getAll('scope');
      let subject: string | undefined;
      let via: TokenRequestRecord['via'] = 'anonymous';
      if (form !== undefined) {
        via = 'refresh_token';
        if (form.get('grant_type') === 'refresh_token' && form.get('refresh_token') === issuer.identityToken) subject = issuer.username;
      } else if (req.headers.authorization !== undefined) {
        via = 'basic';
        const [scheme, value] = req.headers.authorization.split(' ');
        const decoded = Buffer.from(value ?? '', 'base64').toString();
        if (scheme === 'Basic' && decoded === `${issuer.username}:${issuer.password}`) subject = issuer.username;
      } else {
        subject = '';
      }
      issuer.requests.push({ method: req.method ?? '', scopes, via });
      issuer.requestTimes.push(performance.now());
      if (subject === undefined) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid credentials' }] }));
        return;
      }
      const token = jwt(scopes, subject);
      res.writeHead(200, { 'content-type': 'application/json' });
      // Docker-style services answer `token`, OAuth2 ones `access_token`: one of each here.
      res.end(JSON.stringify(form ? { access_token: token, expires_in: issuer.expiresIn } : { token, expires_in: issuer.expiresIn }));
    })();
  };
  server = options.tls ? createHttpsServer({ cert: pki.pem(pki.serverCert), key: pki.pem(pki.serverKey) }, handler) : createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  issuer.realm = options.tls ? `https://localhost:${port}/token` : `http://127.0.0.1:${port}/token`;
  return issuer;
}

function parseScope(scope: string): { type: string; name: string; actions: string[] } {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  return { type: scope.slice(0, first), name: scope.slice(first + 1, last), actions: scope.slice(last + 1).split(',') };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
