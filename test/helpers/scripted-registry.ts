import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerOptions as HttpsOptions } from 'node:https';
import { startHttpServer, type TestServer } from './servers.js';

/**
 * A registry that answers the distribution API as a script says: for registry behaviour no real
 * registry shows (oversized, endless, lying or escape-laden answers). `/v2/` answers 200 unless
 * a ping script is given; `/v2/<repository>/(manifests|blobs|tags)/<reference>` goes to the
 * script registered for the repository (404 NAME_UNKNOWN when none is); any other path goes to
 * a script registered for that path (a token endpoint), else 404.
 */
export interface Route {
  repository: string;
  kind: 'manifests' | 'blobs' | 'tags';
  /** A tag or digest; `list` for tags. */
  reference: string;
  url: URL;
}

export type Script = (req: IncomingMessage, res: ServerResponse, route: Route) => void | Promise<void>;
export type PathScript = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface ScriptedRequest {
  method: string;
  path: string;
  authorization?: string;
}

export interface ScriptedRegistry {
  /** `127.0.0.1:PORT`, for image references. */
  host: string;
  url: string;
  requests: ScriptedRequest[];
  script(repository: string, script: Script): void;
  scriptPath(path: string, script: PathScript): void;
  stop(): Promise<void>;
}

export interface ScriptedRegistryOptions {
  tls?: HttpsOptions;
  ping?: PathScript;
}

export async function startScriptedRegistry(options: ScriptedRegistryOptions = {}): Promise<ScriptedRegistry> {
  const scripts = new Map<string, Script>();
  const paths = new Map<string, PathScript>();
  const requests: ScriptedRequest[] = [];
  const server: TestServer = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://registry');
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      ...(req.headers.authorization !== undefined ? { authorization: req.headers.authorization } : {}),
    });
    // A script that throws is a broken test, not a hostile registry: say so in the answer.
    const guard = (work: () => void | Promise<void>) =>
      Promise.resolve()
        .then(work)
        .catch((err: unknown) => {
          if (!res.headersSent) res.writeHead(599);
          res.end(`script failed: ${String(err)}`);
        });
    if (url.pathname === '/v2/' || url.pathname === '/v2') {
      if (options.ping !== undefined) return void guard(() => options.ping!(req, res, url));
      res.writeHead(200, { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' });
      return void res.end('{}');
    }
    const match = /^\/v2\/(.+)\/(manifests|blobs|tags)\/([^/]+)$/.exec(url.pathname);
    const script = match === null ? undefined : scripts.get(match[1]!);
    if (match !== null && script !== undefined) {
      return void guard(() => script(req, res, { repository: match[1]!, kind: match[2] as Route['kind'], reference: decodeURIComponent(match[3]!), url }));
    }
    const pathScript = paths.get(url.pathname);
    if (pathScript !== undefined) return void guard(() => pathScript(req, res, url));
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }));
  }, options.tls);
  const host = `127.0.0.1:${server.port}`;
  return {
    host,
    url: `${options.tls ? 'https' : 'http'}://${host}`,
    requests,
    script: (repository, script) => scripts.set(repository, script),
    scriptPath: (path, script) => paths.set(path, script),
    stop: () => server.close(),
  };
}
